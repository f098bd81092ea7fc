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
# collectstatic needs settings but no real secret or services.
RUN SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))') \
    WHATSAPP_WEBHOOK_SECRET=build-only-webhook-secret \
    ALLOWED_HOSTS=build python manage.py collectstatic --noinput --verbosity 0
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
