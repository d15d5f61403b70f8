"""``bwk-syncd status``: the node's state as short, readable lines (or JSON)."""

from __future__ import annotations

from typing import Any


def render(status: dict[str, Any]) -> str:
    lines = []
    database = status.get("database") or {}
    if database and not database.get("ok", True):
        lines.append(f"DATABASE DAMAGED: {database.get('problem')}")
        lines.append(f"  nothing is merged or acknowledged. {database.get('help') or ''}".rstrip())
    daemon = status.get("daemon") or {}
    if daemon.get("failed_passes"):
        lines.append(
            f"PASSES FAILING: {daemon['failed_passes']} in a row since "
            f"{daemon.get('failing_since') or '-'} (last success "
            f"{daemon.get('last_ok') or '-'}); last error: {daemon.get('last_error')}"
        )
    if status["role"] == "room":
        lines.append(f"room {status['room']}  key {status['key_fingerprint']}")
        lines.append(
            f"  central's key {status.get('central_key_fingerprint', '-')} "
            "(computed from keys; compare by phone)"
        )
        lines.append(
            f"  events: up to seq {status['max_seq']}, exported {status['exported_seq']}, "
            f"acknowledged {status['acked_seq']} ({status['unacknowledged']} waiting)"
        )
        lines.append(
            f"  last export {status['last_export_at'] or '-'}, "
            f"last acknowledgement {status['last_ack_at'] or '-'}"
        )
        lines.append(
            f"  outbox {status['outbox_waiting']} file(s), inbox "
            f"{status['inbox_waiting']} file(s), catalog revision "
            f"{status['catalog_revision']}"
        )
    else:
        lines.append(
            f"central  key {status['key_fingerprint']}  inbox "
            f"{status['inbox_waiting']} file(s) waiting, catalog revision "
            f"{status.get('catalog_revision', '-')} published"
        )
        if status.get("catalog_problem"):
            lines.append(f"  CATALOG: {status['catalog_problem']}")
        for room, entry in sorted(status["rooms"].items()):
            lag = entry.get("lag_seconds")
            lag_text = "-" if lag is None else _duration(lag)
            flag = "" if entry.get("enrolled", True) else "  (not enrolled: revoked)"
            if "contiguous_seq" not in entry:  # a damaged database: the keys alone
                lines.append(f"  {room:<14} key {entry.get('key_fingerprint') or '-'}")
                continue
            lines.append(
                f"  {room:<14} seq {entry['contiguous_seq']} contiguous "
                f"(max {entry['max_seq']}), {entry['bundles']} bundles, last "
                f"{entry['last_bundle_at'] or '-'} ({lag_text} ago), "
                f"{entry['quarantined']} quarantined, key "
                f"{entry.get('key_fingerprint') or '-'}{flag}"
            )
            lines.append(f"  {'':<14} {_catalog_text(entry, status.get('catalog_revision'))}")
    quarantined = status.get("quarantined", [])
    lines.append(f"  quarantine: {len(quarantined)} file(s)")
    for item in quarantined[:20]:
        lines.append(f"    {item['file']}: {item['reason']}")
    return "\n".join(lines)


def _catalog_text(entry: dict[str, Any], published: int | None) -> str:
    """What a room said it runs against what central published."""
    runs = entry.get("catalog_revision")
    if runs is None:
        return "catalog revision not said yet (publish the catalog once more)"
    if published is not None and runs < published:
        return f"OLDER CATALOG: catalog revision {runs} (central published {published})"
    return f"catalog revision {runs}"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
