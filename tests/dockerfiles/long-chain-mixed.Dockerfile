FROM python:3.12-bookworm
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential \
        git \
        libjpeg-dev \
        libpq-dev \
        zlib1g-dev \
    && rm -rf /var/lib/apt/lists/* \
    && python -m pip install --upgrade pip setuptools wheel \
    && pip install --no-cache-dir poetry==1.8.2 \
    && curl -fsSL https://deb.nodesource.com/setup_20.x -o /tmp/nodesource_setup.sh \
    && bash /tmp/nodesource_setup.sh \
    && apt-get install -y nodejs \
    && npm install -g npm@10 yarn pnpm \
    && npm cache clean --force \
    && rm -rf /tmp/*
WORKDIR /code
COPY . .
RUN poetry config virtualenvs.create false && poetry install --no-interaction --no-ansi
CMD ["python", "-m", "app"]
