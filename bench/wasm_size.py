"""Hydrate wasm sizes after `cargo leptos build --release --split`.

The main module (`masquerade.wasm`) is what every page loads before it
hydrates; each page then fetches the chunks its lazy route lists in
`__wasm_split_manifest.json`. Sizes are gzip -9 of each file, as a server
that compresses per file sends them. Prints one JSON object.
"""
import gzip
import json
import pathlib
import re
import sys

pkg = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg")


def gz(path: pathlib.Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


main = pkg / "masquerade.wasm"
manifest_path = pkg / "__wasm_split_manifest.json"
manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
sizes = {p.stem: gz(p) for p in pkg.glob("*.wasm") if p != main}
main_gz = gz(main)
pages = {}
for split_point, chunks in manifest.items():
    # "__audit_route_view_<hash>" -> "audit"
    name = re.sub(r"^_*(.*)_area_\d+$", r"\1", split_point)
    pages[name] = main_gz + sum(sizes.get(c, 0) for c in chunks)
largest = max(pages.items(), key=lambda kv: kv[1]) if pages else ("", main_gz)
print(json.dumps({
    "main_raw": main.stat().st_size,
    "main_gz": main_gz,
    "chunks": len(sizes),
    "chunks_gz": sum(sizes.values()),
    "all_gz": main_gz + sum(sizes.values()),
    "pages_gz": dict(sorted(pages.items())),
    "largest_page": largest[0],
    "largest_page_gz": largest[1],
}))
