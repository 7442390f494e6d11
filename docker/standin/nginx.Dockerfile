# Stand-in for NGINX_IMAGE: Debian's nginx (1.22) and openssl.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends nginx openssl && rm -rf /var/lib/apt/lists/*
CMD ["nginx", "-g", "daemon off;"]
