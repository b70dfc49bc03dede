# The service image for docker-compose (people with Docker). Tests never use it.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci
COPY web/ ./
RUN mkdir -p ../service/web && npm run build

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY service service
COPY geo geo
COPY media media
COPY migrations migrations
COPY --from=web /src/service/web/static service/web/static
# Editable: the service finds migrations/ and the built web apps beside its sources.
RUN pip install --no-cache-dir -e .
ENV WHISTLE_SERVER__HOST=0.0.0.0 WHISTLE_MEDIA__ROOT=/data/media
EXPOSE 8000
CMD ["sh", "-c", "whistle db upgrade && whistle demo load --if-empty --with-accounts && whistle demo load-couriers && whistle serve"]
