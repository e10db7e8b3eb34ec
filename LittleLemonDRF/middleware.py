"""A middleware that only finishes responses, served to sync and async views alike."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class ResponseMiddleware:
    """Calls `finish(request, response)` on every response, without turning an async
    request path (the order stream under an ASGI server) into a sync one."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self._acall(request)
        return self.finish(request, self.get_response(request))

    async def _acall(self, request):
        return self.finish(request, await self.get_response(request))

    def finish(self, request, response):
        raise NotImplementedError(f"{type(self).__name__} must define finish(request, response)")
