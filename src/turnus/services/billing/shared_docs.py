"""Read-only JSON documents that many rows of a billing run share.

A run's invoice lines and totals repeat a few values (the same catalog amount, tax country
and breakdown on thousands of rows). Each distinct document is made once and the rows share
the object: the bulk writer binds each object once per batch (``store.bulk``), instead of
serializing an equal document per row. Shared, they must not change in place (one row's
change would be every row's), so they refuse it; code that changes a row's document makes a
new one (``{**row["data"], ...}``). They serialize, compare and pickle as plain dicts and
lists (pickling keeps the sharing: equal objects of one batch stay one object)."""

from __future__ import annotations

from typing import Any, NoReturn


def _refuse(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(
        f"a shared {type(self).__name__} is read-only; copy it to change one row's document"
    )


class SharedDict(dict[str, Any]):
    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type[SharedDict], tuple[dict[str, Any]]]:
        return (SharedDict, (dict(self),))


class SharedList(list[Any]):
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = clear = extend = insert = pop = remove = reverse = sort = _refuse

    def __reduce__(self) -> tuple[type[SharedList], tuple[list[Any]]]:
        return (SharedList, (list(self),))
