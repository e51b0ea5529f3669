"""Fill untranslated zh_Hans messages from a JSON table: python scripts/translate.py TABLE.json

The .po files are the source of truth; this only saves typing when many messages arrive at
once. Run `make messages` afterwards to compile.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "accessibility/locale/zh_Hans/LC_MESSAGES/haoban.po"


def main() -> int:
    table: dict[str, str] = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    catalog = read_po(io.BytesIO(PO.read_bytes()))
    missing = []
    for message in catalog:
        if message.id and not message.string:
            if message.id in table:
                message.string = table[message.id]
            else:
                missing.append(message.id)
    out = io.BytesIO()
    write_po(out, catalog, sort_output=True, width=100)
    PO.write_bytes(out.getvalue())
    for msgid in missing:
        print(f"untranslated: {msgid}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
