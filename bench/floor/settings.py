"""Settings of the floor: `startproject`'s middleware, DRF with nothing switched on, debug off.

Only what a DRF view needs is installed: auth for the anonymous user it sets on every
request (the stock AuthenticationMiddleware imports auth's models too), and contenttypes,
which auth's models point at. No authentication classes, no throttles, AllowAny, and the
JSON renderer only: the floor is what any DRF project pays before it does anything.
"""

DEBUG = False
# It signs nothing: the floor sets no cookie, keeps no session and issues no token.
SECRET_KEY = "django-insecure-bench-floor"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]

# As `django-admin startproject` writes it.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.floor.urls"
WSGI_APPLICATION = "bench.floor.wsgi.application"

# Never opened: no request of the floor reads or writes a row.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
