"""Writes to the menu: loading it, categories, dishes and their ratings."""

from collections.abc import Iterable
from pathlib import Path

from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from ..errors import (
    AlreadyRated,
    NoSlugInTitle,
    SlugTaken,
)
from ..models import (
    Category,
    MenuItem,
    Rating,
)


def menu_load(*, fixture: Path) -> bool:
    """Load a menu fixture into a database that has no menu yet; False when it has one."""
    if Category.objects.exists():
        return False
    call_command("loaddata", str(fixture), verbosity=0)
    return True


def category_save(*, category: Category) -> Category:
    """Create or update a category; a new one without a slug gets one from its title.

    The slug is derived on create only: renaming a category keeps its URLs stable.
    """
    if category._state.adding and not category.slug:
        category.slug = slugify(category.title)[:255]
        if not category.slug:
            raise NoSlugInTitle()
    if Category.objects.filter(slug=category.slug).exclude(pk=category.pk).exists():
        raise SlugTaken(category.slug)
    try:
        # A savepoint: the unique index settles a concurrent twin that passed the check.
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise SlugTaken(category.slug) from None
    return category


def category_delete(*, category: Category) -> None:
    """Delete a category; one that still lists dishes raises ProtectedError (PROTECT)."""
    category.delete()


def menu_item_save(*, item: MenuItem, fields: Iterable[str] | None = None) -> MenuItem:
    """Save a dish: a new one whole, a changed one only in the `fields` its editor changed.

    A dish read before an order took some of its stock must not write the old stock back: a
    new price saved whole would undo what the order took.
    """
    item.save(update_fields=None if fields is None else list(fields))
    return item


def menu_item_delete(*, item: MenuItem) -> None:
    """Delete a dish; orders keep their lines, which no longer point at it."""
    item.delete()


def rating_create(*, user, menuitem: MenuItem, rating: int) -> Rating:
    """Rate a dish; each user rates a dish once."""
    if Rating.objects.filter(user=user, menuitem=menuitem).exists():
        raise AlreadyRated()
    try:
        # A savepoint, so the constraint that catches a concurrent duplicate leaves the
        # surrounding transaction usable.
        with transaction.atomic():
            created = Rating.objects.create(user=user, menuitem=menuitem, rating=rating)
    except IntegrityError:
        raise AlreadyRated() from None
    return created


def rating_set(*, rating: Rating, value: int) -> Rating:
    rating.rating = value
    rating.save(update_fields=["rating"])
    return rating


def rating_delete(*, rating: Rating) -> None:
    rating.delete()
