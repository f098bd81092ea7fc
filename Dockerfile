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
# collectstatic reads only the static-files settings, which every settings module shares: the
# development ones need no secret and no service.
RUN DJANGO_SETTINGS_MODULE=config.settings.local python manage.py collectstatic --noinput --verbosity 0
USER app
EXPOSE 8000
# --preload loads the settings once in the master: a configuration error stops the container
# with one line, instead of workers that fail and are restarted in a loop.
CMD ["gunicorn", "config.wsgi:application", "--preload", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
