#!/bin/sh
# outofband-agent: checks this server the way a full disk would stop it, and reports to the
# status hub's heartbeat. Install with one cron line (see README "Watching your servers"):
#
#   */5 * * * * root OOB_PING_URL=https://status.example.com/heartbeat/hb_... /usr/local/bin/outofband-agent.sh
#
# or put the settings in a file and run `outofband-agent.sh -c /etc/outofband-agent.conf`.
# It pings OOB_PING_URL with its findings as the body when every check passes, and
# OOB_PING_URL/fail with them when one fails. If it stops running (or the box dies), the
# heartbeat's schedule notices the silence. POSIX sh: runs under dash, busybox and bash.
#
# Settings (environment or config file), with defaults:
#   OOB_PING_URL              the heartbeat's ping URL (required unless -n)
#   DISK_MAX_PERCENT=90       fail when a mount's space use reaches this
#   INODE_MAX_PERCENT=90      fail when a mount's inode use reaches this
#   DISK_MOUNTS=              mount points to check (space separated); empty: every real one
#   MAIL_QUEUE=auto           auto, postfix, exim or none
#   MAIL_QUEUE_MAX=100        fail when more messages than this wait in the queue
#   MAILDIR=                  a monitor mailbox (Maildir) that should keep receiving mail
#   MAILDIR_MAX_AGE_MINUTES=1440  fail when nothing was delivered there for this long
#   SERVICES=                 services that must run, e.g. "postfix dovecot"
#   CERT_FILES=               PEM certificates to check, e.g. "/etc/letsencrypt/live/mail/cert.pem"
#   CERT_MIN_DAYS=14          fail when one expires within this many days
#   OOB_TIMEOUT=10            seconds for the ping
#
# Options: -c FILE  read settings from FILE;  -n  print the report, send nothing;  -h  help.
# Exit status: 0 all checks passed, 1 a check failed, 2 the report could not be sent,
# 64 bad usage.

set -u

usage() {
  sed -n '2,30s/^# \{0,1\}//p' "$0"
}

config=""
dry_run=0
while getopts "c:nh" opt; do
  case "$opt" in
    c) config=$OPTARG ;;
    n) dry_run=1 ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
  esac
done

if [ -n "$config" ]; then
  if [ ! -r "$config" ]; then
    echo "outofband-agent: cannot read $config" >&2
    exit 64
  fi
  # shellcheck source=/dev/null
  . "$config"
fi

OOB_PING_URL=${OOB_PING_URL:-}
DISK_MAX_PERCENT=${DISK_MAX_PERCENT:-90}
INODE_MAX_PERCENT=${INODE_MAX_PERCENT:-90}
DISK_MOUNTS=${DISK_MOUNTS:-}
MAIL_QUEUE=${MAIL_QUEUE:-auto}
MAIL_QUEUE_MAX=${MAIL_QUEUE_MAX:-100}
MAILDIR=${MAILDIR:-}
MAILDIR_MAX_AGE_MINUTES=${MAILDIR_MAX_AGE_MINUTES:-1440}
SERVICES=${SERVICES:-}
CERT_FILES=${CERT_FILES:-}
CERT_MIN_DAYS=${CERT_MIN_DAYS:-14}
OOB_TIMEOUT=${OOB_TIMEOUT:-10}

if [ "$dry_run" -eq 0 ] && [ -z "$OOB_PING_URL" ]; then
  echo "outofband-agent: set OOB_PING_URL to the heartbeat's ping URL (or use -n)" >&2
  exit 64
fi

is_number() {
  case "$1" in
    '' | *[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

for setting in DISK_MAX_PERCENT INODE_MAX_PERCENT MAIL_QUEUE_MAX MAILDIR_MAX_AGE_MINUTES CERT_MIN_DAYS OOB_TIMEOUT; do
  eval "value=\$$setting"
  # shellcheck disable=SC2154 # value is set by the eval above
  if ! is_number "$value"; then
    echo "outofband-agent: $setting must be a whole number, not \"$value\"" >&2
    exit 64
  fi
done

report=""
failed=0

ok() {
  report="${report}OK $*
"
}

fail() {
  report="${report}FAIL $*
"
  failed=1
}

wanted_mount() {
  [ -z "$DISK_MOUNTS" ] && return 0
  for m in $DISK_MOUNTS; do
    [ "$m" = "$1" ] && return 0
  done
  return 1
}

# Pseudo and read-only filesystems never fill up the way data disks do.
real_filesystem() {
  case "$1" in
    tmpfs | devtmpfs | udev | none | overlay | shm | proc | sysfs | cgroup* | squashfs | /dev/loop*) return 1 ;;
    *) return 0 ;;
  esac
}

# df -P: "Filesystem 1024-blocks Used Available Capacity Mounted-on"; df -Pi has inodes in
# the same columns (GNU and busybox). Capacity is "97%" or "-" where there are no inodes.
check_usage() {
  what=$1
  limit=$2
  shift 2
  if ! out=$("$@" 2>/dev/null); then
    fail "$what: $* did not run"
    return
  fi
  printf '%s\n' "$out" | {
    read -r _header
    while read -r fs _total _used _avail capacity mount; do
      [ -n "${mount:-}" ] || continue
      real_filesystem "$fs" || continue
      wanted_mount "$mount" || continue
      percent=${capacity%\%}
      is_number "$percent" || continue
      if [ "$percent" -ge "$limit" ]; then
        echo "FAIL $what $mount $percent% used (limit $limit%)"
      else
        echo "OK $what $mount $percent% used"
      fi
    done
  } >"$tmp/usage"
  while read -r line; do
    case "$line" in
      FAIL*) fail "${line#FAIL }" ;;
      OK*) ok "${line#OK }" ;;
    esac
  done <"$tmp/usage"
}

queue_length() {
  kind=$MAIL_QUEUE
  if [ "$kind" = auto ]; then
    if command -v postqueue >/dev/null 2>&1; then
      kind=postfix
    elif command -v exim >/dev/null 2>&1; then
      kind=exim
    elif command -v mailq >/dev/null 2>&1; then
      kind=mailq
    else
      kind=none
    fi
  fi
  case "$kind" in
    postfix)
      # One JSON object per queued message (Postfix 3.1 and later).
      if out=$(postqueue -j 2>/dev/null); then
        printf '%s\n' "$out" | grep -c '^{'
      elif out=$(mailq 2>/dev/null); then
        mailq_count "$out"
      else
        return 1
      fi
      ;;
    exim) exim -bpc 2>/dev/null ;;
    mailq) mailq_count "$(mailq 2>/dev/null)" ;;
    none) echo none ;;
    *) return 1 ;;
  esac
}

# Sendmail-style mailq ends with "-- 12 Kbytes in 3 Requests." or says the queue is empty.
mailq_count() {
  case "$1" in
    *"is empty"*) echo 0 ;;
    *) printf '%s\n' "$1" | sed -n 's/.* in \([0-9][0-9]*\) Request.*/\1/p' | tail -n 1 ;;
  esac
}

check_queue() {
  [ "$MAIL_QUEUE" = none ] && return
  if ! count=$(queue_length) || ! is_number "$count"; then
    [ "${count:-}" = none ] && return
    fail "mail queue: could not read its length ($MAIL_QUEUE)"
    return
  fi
  if [ "$count" -gt "$MAIL_QUEUE_MAX" ]; then
    fail "mail queue $count messages (limit $MAIL_QUEUE_MAX)"
  else
    ok "mail queue $count messages"
  fi
}

check_maildir() {
  [ -n "$MAILDIR" ] || return
  if [ ! -d "$MAILDIR/new" ] && [ ! -d "$MAILDIR/cur" ]; then
    fail "maildir $MAILDIR: no new/ or cur/ folder"
    return
  fi
  recent=$(find "$MAILDIR/new" "$MAILDIR/cur" -type f -mmin "-$MAILDIR_MAX_AGE_MINUTES" 2>/dev/null | head -n 1)
  if [ -n "$recent" ]; then
    ok "maildir $MAILDIR received mail within $MAILDIR_MAX_AGE_MINUTES minutes"
  else
    fail "maildir $MAILDIR: no mail delivered for $MAILDIR_MAX_AGE_MINUTES minutes"
  fi
}

check_services() {
  for service in $SERVICES; do
    if command -v systemctl >/dev/null 2>&1; then
      if systemctl is-active --quiet "$service"; then ok "service $service active"; else fail "service $service is not active"; fi
    elif command -v pidof >/dev/null 2>&1; then
      if pidof "$service" >/dev/null 2>&1; then ok "service $service running"; else fail "service $service is not running"; fi
    else
      fail "service $service: neither systemctl nor pidof is available"
    fi
  done
}

check_certificates() {
  for file in $CERT_FILES; do
    if ! command -v openssl >/dev/null 2>&1; then
      fail "certificate $file: openssl is not installed"
      continue
    fi
    if ! end=$(openssl x509 -enddate -noout -in "$file" 2>/dev/null); then
      fail "certificate $file: cannot be read"
      continue
    fi
    end=${end#notAfter=}
    if openssl x509 -checkend $((CERT_MIN_DAYS * 86400)) -noout -in "$file" >/dev/null 2>&1; then
      ok "certificate $file valid until $end"
    else
      fail "certificate $file expires $end (within $CERT_MIN_DAYS days)"
    fi
  done
}

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t outofband-agent)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' HUP INT TERM

check_usage disk "$DISK_MAX_PERCENT" df -P
check_usage inodes "$INODE_MAX_PERCENT" df -Pi
check_queue
check_maildir
check_services
check_certificates

host=$(hostname 2>/dev/null || uname -n)
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# Bounded: at most 100 lines of 200 characters (the hub keeps the first 10 KB of a ping body).
printf 'outofband-agent on %s at %s\n%s' "$host" "$when" "$report" | head -n 100 | cut -c 1-200 >"$tmp/body"

if [ "$dry_run" -eq 1 ]; then
  cat "$tmp/body"
  exit "$failed"
fi

url=${OOB_PING_URL%/}
[ "$failed" -eq 1 ] && url="$url/fail"

if command -v curl >/dev/null 2>&1; then
  curl -fsS -m "$OOB_TIMEOUT" --retry 3 -H 'content-type: text/plain; charset=utf-8' --data-binary "@$tmp/body" "$url" >/dev/null || exit 2
elif command -v wget >/dev/null 2>&1; then
  wget -q -O /dev/null -T "$OOB_TIMEOUT" -t 3 --header='content-type: text/plain; charset=utf-8' --post-file="$tmp/body" "$url" || exit 2
else
  echo "outofband-agent: neither curl nor wget is installed: cannot report" >&2
  exit 2
fi

exit "$failed"
