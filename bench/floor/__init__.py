"""The floor of `make bench`: a bare Django REST framework project with one view, `/floor`."""
