# The service image for docker-compose (people with Docker). Tests never use it.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY service service
COPY geo geo
COPY media media
COPY migrations migrations
RUN pip install --no-cache-dir .
ENV WHISTLE_SERVER__HOST=0.0.0.0 WHISTLE_MEDIA__ROOT=/data/media
EXPOSE 8000
CMD ["sh", "-c", "whistle db upgrade && (whistle demo load --if-empty || true) && whistle serve"]
