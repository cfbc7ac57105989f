"""Long lists a page at a time: one page of a query's rows, and how many rows there are in all,
so that a page stays the same size however long the list grows."""

from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db

PAGE_SIZE = 200


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position of the page's first row in the whole list, counting from 1."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)


def page_of(query: Select, number: int | None, size: int = PAGE_SIZE) -> Page:
    """Page `number` of the rows of `query` (which must be ordered). A page before the first
    is the first, and one past the last the last: a list shrinks as invoices are paid, and a
    link from a moment ago should still show something."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // size))
    number = min(max(number or 1, 1), pages)
    items = list(db.session.scalars(query.offset((number - 1) * size).limit(size)))
    return Page(items=items, number=number, total=total, size=size)
