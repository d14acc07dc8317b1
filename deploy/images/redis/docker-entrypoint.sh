#!/bin/sh
# Entrypoint of the redis stand-in (deploy/images/redis/Dockerfile), written for Emporium.
set -eu

# `docker run image --appendonly yes` or `docker run image /path/redis.conf`: options for redis-server.
case "${1:-}" in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "${1:-}" = redis-server ]; then
  # Without a configuration file, turn protected mode off like the official image's build does
  # (unless the command line sets it): other containers reach this server over the network.
  case "${2:-}" in
    *.conf) ;;
    *)
      case " $* " in
        *" --protected-mode "*) ;;
        *) set -- "$@" --protected-mode no ;;
      esac
      ;;
  esac
  # Started as root: give the working directory to redis and drop to it.
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis:redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
  fi
  # What redis writes (the append-only file, dumps) is readable by its user only.
  if [ "$(umask)" = 0022 ]; then
    umask 0077
  fi
fi

exec "$@"
