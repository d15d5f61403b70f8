"""Record a figure staff enter (members, interviews, INPUT judgements) from the dashboard.

Pick year, indicator and room, type the value and a note, save (``ctrl+s``, Enter in a
field, or the button). Saving is a new entry in central's log, never an overwrite; the
year's entries are listed below, newest first. Escape goes back to the dashboard,
which then shows the figure in its table. The database is touched only in workers.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select, Static

from shared import i18n
from shared.staff_figures import TOTAL, FigureError, Recorded


def say(lang: str, key: str, **values: object) -> str:
    text = i18n.texts(lang, "staff_record")[key]
    return text.format(**values) if values else text


@dataclass
class FigureSaved(Message):
    recorded: Recorded


@dataclass
class FigureRefused(Message):
    error: str


@dataclass
class HistoryLoaded(Message):
    year: int
    entries: list[Recorded]


class RecordScreen(Screen):
    """Dismisses with True when something was saved (the dashboard reloads then)."""

    BINDINGS = [Binding("escape", "back", "Terug"), Binding("ctrl+s", "save", "Opslaan")]
    DEFAULT_CSS = """
    RecordScreen #form { height: auto; padding: 0 1; }
    RecordScreen .row { height: auto; }
    RecordScreen .row Label { width: 20; padding: 1 1 0 0; }
    RecordScreen .row Select { width: 1fr; }
    RecordScreen .row Input { width: 1fr; }
    RecordScreen #record-year { width: 14; }
    RecordScreen #asks { padding: 0 0 0 21; color: $text-muted; }
    RecordScreen #buttons { height: auto; padding: 0 0 0 21; }
    RecordScreen #buttons Button { margin: 0 2 0 0; }
    RecordScreen #message { height: auto; padding: 0 1; text-style: bold; }
    RecordScreen #message.-error { color: $error; }
    RecordScreen #history-title { padding: 1 1 0 1; }
    RecordScreen #history { height: 1fr; margin: 0 1; }
    """

    def __init__(self, source, *, year: int, years: list[int], lang: str = "nl") -> None:
        super().__init__()
        self.source, self.year, self.lang = source, year, lang
        self.years = sorted({*years, year, year - 1}, reverse=True)
        self.saved_any = False

    def compose(self) -> ComposeResult:
        lang, figures = self.lang, self.source.catalog.enterable_figures()
        rooms = list(self.source.enrolled or [])
        yield Header()
        with Vertical(id="form"):
            with Horizontal(classes="row"):
                yield Label(say(lang, "year"))
                yield Select(
                    [(str(y), y) for y in self.years],
                    value=self.year,
                    allow_blank=False,
                    id="record-year",
                )
            with Horizontal(classes="row"):
                yield Label(say(lang, "indicator"))
                yield Select(
                    [(f"{f.section} · {f.label}", f.id) for f in figures.values()],
                    value=next(iter(figures), Select.BLANK),
                    allow_blank=not figures,
                    id="indicator",
                )
            yield Static("", id="asks", markup=False)
            with Horizontal(classes="row"):
                yield Label(say(lang, "room"))
                yield Select(
                    [(self.source.catalog.room_name(r), r) for r in rooms]
                    + [(say(lang, "total"), TOTAL)],
                    value=rooms[0] if rooms else TOTAL,
                    allow_blank=False,
                    id="room",
                )
            with Horizontal(classes="row"):
                yield Label(say(lang, "value"))
                yield Input(id="value")
            with Horizontal(classes="row"):
                yield Label(say(lang, "note"))
                yield Input(id="note", max_length=200)
            with Horizontal(classes="row"):
                yield Label(say(lang, "by"))
                yield Input(_login_name(), id="by", max_length=64)
            with Horizontal(id="buttons"):
                yield Button(say(lang, "save"), id="save", variant="primary")
                yield Button(say(lang, "back"), id="back")
        yield Static("", id="message", markup=False)
        yield Static("", id="history-title", markup=False)
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = say(self.lang, "title")
        table = self.query_one("#history", DataTable)
        for key in ("when", "indicator", "room", "value", "who", "note"):
            table.add_column(say(self.lang, key), key=key)
        self.show_asks()
        if self.source.enrolled is None:
            self.show_message(say(self.lang, "central_only"), error=True)
        self.query_one("#value", Input).focus()
        self.load_history(self.year)

    # --- database work: only in workers ----------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="record")
    def save_figure(
        self, year: int, indicator: str, room: str, value: str, note: str, by: str
    ) -> None:
        try:
            found = self.source.record_figure(
                year=year, indicator=indicator, room=room, value=value, note=note, by=by
            )
        except FigureError as exc:
            self.post_message(FigureRefused(str(exc)))
            return
        except Exception as exc:  # a locked or damaged database: said, nothing lost on screen
            self.post_message(FigureRefused(f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(FigureSaved(found))

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def load_history(self, year: int) -> None:
        self.post_message(HistoryLoaded(year, self.source.figure_history(year)))

    # --- events ----------------------------------------------------------------
    @on(Select.Changed, "#indicator")
    def show_asks(self) -> None:
        chosen = self.query_one("#indicator", Select).value
        figure = self.source.catalog.enterable_figures().get(chosen)
        if figure is None:
            return
        kind = say(self.lang, figure.value, expect=figure.expect or "positief")
        target = f" · {figure.target_note}" if figure.target_note else ""
        self.query_one("#asks", Static).update(
            f"{figure.unit} · {say(self.lang, 'asks', kind=kind)}{target}"
        )

    @on(Select.Changed, "#record-year")
    def year_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            self.year = event.value
            self.load_history(self.year)

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        if self.source.enrolled is None:
            self.show_message(say(self.lang, "central_only"), error=True)
            return
        indicator = self.query_one("#indicator", Select).value
        if not isinstance(indicator, str):
            return
        self.save_figure(
            self.year,
            indicator,
            str(self.query_one("#room", Select).value),
            self.query_one("#value", Input).value,
            self.query_one("#note", Input).value,
            self.query_one("#by", Input).value,
        )

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(self.saved_any)

    @on(FigureSaved)
    def saved(self, message: FigureSaved) -> None:
        found = message.recorded
        self.saved_any = True
        figure = self.source.catalog.enterable_figures()[found.indicator]
        self.show_message(
            say(
                self.lang,
                "saved",
                label=figure.label,
                room=self._room(found.room),
                year=found.year,
                value=found.value,
                date=found.at[:10],
                by=found.by,
            )
        )
        self.query_one("#value", Input).value = ""
        self.query_one("#note", Input).value = ""
        self.load_history(self.year)

    @on(FigureRefused)
    def refused(self, message: FigureRefused) -> None:
        self.show_message(say(self.lang, "refused", error=message.error), error=True)

    @on(HistoryLoaded)
    def show_history(self, message: HistoryLoaded) -> None:
        if message.year != self.year:
            return
        table = self.query_one("#history", DataTable)
        table.clear()
        for found in reversed(message.entries):
            table.add_row(
                found.at[:16].replace("T", " "),
                found.indicator,
                self._room(found.room),
                Text(str(found.value)),
                Text(found.by),
                Text(found.note),
                key=found.event,
            )
        title = "history" if message.entries else "none"
        self.query_one("#history-title", Static).update(say(self.lang, title, year=self.year))

    def show_message(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#message", Static)
        message.update(Text(text))  # typed text: never markup
        message.set_class(error, "-error")
        # On a small screen the line may be scrolled away: a toast says it as well.
        self.notify(text, severity="error" if error else "information", markup=False)

    def _room(self, room: str) -> str:
        return say(self.lang, "total") if room == TOTAL else self.source.catalog.room_name(room)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""
