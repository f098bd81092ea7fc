# One image for web, worker, beat and listener (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
RUN useradd --create-home --uid 1000 app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs well-formed settings but no real secret, and connects to no service.
RUN SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))') \
    WHATSAPP_WEBHOOK_SECRET=build-only-webhook-secret \
    ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@build/build RABBITMQ_URL=amqp://build// \
    REDIS_URL=redis://build:6379/0 WHATSAPP_API_URL=http://build:3000 \
    python manage.py collectstatic --noinput --verbosity 0
USER app
EXPOSE 8000
# --preload loads the settings once in the master: a configuration error stops the container
# with one line, instead of workers that fail and are restarted in a loop.
CMD ["gunicorn", "config.wsgi:application", "--preload", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
