"""Index calls: conditions and ordering on views of the records, then the page rendered.

A view of a record holds only the keys that the query reads, with the values a
full render gives them, and for users the filter-only ``status``. Conditions,
ordering and paging run on the views, so a reference is expanded only when a
condition or ``order_by`` reads it. Only the records of the page are rendered,
and only the keys that the response shape keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from scimbridge.emulators.coupa import store as kinds
from scimbridge.emulators.coupa.projection import Shape, apply_shape, shape_attributes
from scimbridge.emulators.coupa.query import IndexQuery, run_index
from scimbridge.emulators.coupa.render import Rendered, Renderer
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.state import Document

STATUS = "status"
"""The filter-only user attribute: ``active`` or ``inactive``, from ``active``."""


def index_page(
    store: Store, renderer: Renderer, kind: str, query: IndexQuery, shape: Shape
) -> list[Rendered]:
    """Return the objects that an index call on ``kind`` sends, in order."""
    records = store.all(kind)
    view = _view_renderer(renderer, kind, query.attributes)
    positions = run_index([view(record) for record in records], query, kind)

    names = shape_attributes(shape)
    render: Callable[[Document], Rendered] = partial(renderer.render, kind)
    if names is not None:
        render = renderer.partial_renderer(kind, names)
    return [apply_shape(render(records[position]), shape, kind) for position in positions]


def _view_renderer(
    renderer: Renderer, kind: str, names: frozenset[str]
) -> Callable[[Document], Rendered]:
    if kind != kinds.USER or STATUS not in names:
        return renderer.partial_renderer(kind, names)

    render = renderer.partial_renderer(kind, names | {"active"})

    def view(record: Document) -> Rendered:
        rendered = render(record)
        return {**rendered, STATUS: "active" if rendered["active"] else "inactive"}

    return view
