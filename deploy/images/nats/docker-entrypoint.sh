#!/bin/sh
# Entrypoint of the nats stand-in (deploy/images/nats/Dockerfile), written for Emporium: a command
# that starts with an option (or none at all) is nats-server's.
set -eu

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- nats-server "$@"
fi

exec "$@"
