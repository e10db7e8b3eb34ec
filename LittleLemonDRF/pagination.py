"""Page-number pagination with a client-chosen page size, capped."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework import pagination

from . import caching


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class _OrderCountPaginator(Paginator):
    @cached_property
    def count(self):
        # Counting every order grows with the table; the total is remembered until an order
        # changes (caching.py), so a page costs the same at 20,000 orders as at 200,000.
        return caching.cached_count(self.object_list, caching.ORDERS)


class OrderPagination(PageNumberPagination):
    django_paginator_class = _OrderCountPaginator
