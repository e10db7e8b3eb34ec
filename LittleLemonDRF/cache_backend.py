"""Django's Redis cache, with one client per connection pool instead of one per operation.

Django's RedisCacheClient builds a new redis.Redis for every get, set or incr, and each build
fills a table of about a thousand response callbacks: on a cached menu page that was a third
of the request. A redis.Redis is safe to share (it takes a connection from its pool per
command), so one per pool is kept.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
