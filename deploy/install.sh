#!/usr/bin/env bash
# Install (or upgrade) the warehouse terminal on a Raspberry Pi OS / Debian 12+ gateway.
#
#   sudo deploy/install.sh               install or upgrade, then start the services
#   sudo deploy/install.sh --dry-run     print every change it would make, make none
#   deploy/install.sh --root DIR         write the files under DIR (no root needed); apt-get,
#                                        useradd, chown, pip, udevadm and systemctl are only
#                                        printed
#
# Safe to run again: a file already as it should be is left alone, and a second run
# changes nothing. Code goes to /opt/wms, data to /var/lib/wms (keep it on a writable,
# persistent partition: an overlay root loses everything on reboot), settings to
# /etc/wms/wms.env, logs to the journal (journalctl -u 'wms-*').
# Every deploy/*.service and deploy/*.timer is installed; the ones with an [Install]
# section are enabled and started.
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
ROOT=""
DRY_RUN=0
MDNS_NAME="wms"
PACKAGES=(python3 python3-venv avahi-daemon fonts-noto-cjk)
# What the gateway does not need from a checkout.
EXCLUDES=(.git .venv var build dist tests test-artifacts __pycache__ '*.pyc' '*.egg-info'
  .pytest_cache .mypy_cache .ruff_cache .hypothesis '*.whl')

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  echo "Options: --dry-run, --root DIR, --mdns-name NAME (default wms: the gateway is NAME.local)"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --root)
      [ $# -ge 2 ] || { echo "--root needs a directory" >&2; exit 2; }
      ROOT="$(cd "$2" && pwd)" || { echo "--root $2: no such directory" >&2; exit 2; }
      [ "$ROOT" != / ] || ROOT=""
      shift ;;
    --mdns-name)
      [ $# -ge 2 ] || { echo "--mdns-name needs a name" >&2; exit 2; }
      MDNS_NAME="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
  echo "Run as root (sudo), or with --dry-run or --root DIR." >&2
  exit 1
fi

CHANGES=0
# A change to a file under the root: done and printed, or only printed with --dry-run.
change() {
  CHANGES=$((CHANGES + 1))
  if [ "$DRY_RUN" = 1 ]; then
    echo "would: $*"
  else
    echo "+ $*"
    "$@"
  fi
}
# A change to the running system (packages, users, services): with --root it is only printed.
system() {
  if [ -n "$ROOT" ]; then
    echo "not done (--root): $*"
  else
    change "$@"
  fi
}
# chown is a system change too: with --root the files keep their installer as owner.
own() {
  local owner="$1" path="$2"
  if [ -n "$ROOT" ]; then
    echo "not done (--root): chown $owner $path"
  elif [ ! -e "$path" ] || [ "$(stat -c %U:%G "$path")" != "$owner" ]; then
    change chown "$owner" "$path"
  fi
}

# A directory with this mode (and owner).
directory() {
  local path="$ROOT$1" mode="$2" owner="$3"
  if [ ! -d "$path" ]; then
    change install -d -m "$mode" "$path"
  elif [ "$(stat -c %a "$path")" != "${mode#0}" ]; then
    change chmod "$mode" "$path"
  fi
  own "$owner" "$path"
}

# A file installed from SRC. policy "replace": kept equal to the shipped one (units, rules);
# "keep": installed once and then left to the administrator (settings, hardware file).
file() {
  local from="$1" to="$ROOT$2" mode="$3" owner="$4" policy="$5"
  if [ ! -e "$to" ] || { [ "$policy" = replace ] && ! cmp -s "$from" "$to"; }; then
    change install -D -m "$mode" "$from" "$to"
    touch_marker "$2"
  elif [ "$(stat -c %a "$to")" != "${mode#0}" ]; then
    change chmod "$mode" "$to"
  fi
  own "$owner" "$to"
}

# Which kinds of things changed, to know what to reload or restart afterwards.
UNITS_CHANGED=0
UDEV_CHANGED=0
JOURNALD_CHANGED=0
AVAHI_CHANGED=0
CODE_CHANGED=0
touch_marker() {
  case "$1" in
    /etc/systemd/system/*) UNITS_CHANGED=1 ;;
    /etc/udev/*) UDEV_CHANGED=1 ;;
    /etc/systemd/journald.conf.d/*) JOURNALD_CHANGED=1 ;;
    /etc/avahi/*) AVAHI_CHANGED=1 ;;
  esac
}

echo "Installing the warehouse terminal from $SRC${ROOT:+ into $ROOT}$([ "$DRY_RUN" = 1 ] && echo ' (dry run)')"

# --- packages and the service user -------------------------------------------------------
if [ -n "$ROOT" ]; then
  system apt-get install -y "${PACKAGES[@]}"
  system useradd --system --user-group --home-dir /var/lib/wms --no-create-home \
    --shell /usr/sbin/nologin --groups dialout,lp wms
else
  missing_packages=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing_packages+=("$p")
  done
  if [ "${#missing_packages[@]}" -gt 0 ]; then
    change apt-get install -y --no-install-recommends "${missing_packages[@]}"
  fi
  if ! id wms >/dev/null 2>&1; then
    change useradd --system --user-group --home-dir /var/lib/wms --no-create-home \
      --shell /usr/sbin/nologin --groups dialout,lp wms
  else
    for g in dialout lp; do
      id -nG wms | tr ' ' '\n' | grep -qx "$g" || change usermod -aG "$g" wms
    done
  fi
fi

# --- directories ----------------------------------------------------------------------------
directory /etc/wms 0755 root:root
directory /var/lib/wms 0750 wms:wms
directory /var/lib/wms/var 0750 wms:wms
directory /opt/wms 0755 root:root

# --- the code: /opt/wms equal to this checkout (its .venv kept) ---------------------------
TARGET="$ROOT/opt/wms"
if [ "$SRC" != "$TARGET" ]; then
  diff_excludes=()
  tar_excludes=()
  for e in "${EXCLUDES[@]}"; do
    diff_excludes+=("--exclude=$e")
    tar_excludes+=("--exclude=$e")
  done
  if [ ! -d "$TARGET" ] || ! diff -rq --no-dereference "${diff_excludes[@]}" "$SRC" "$TARGET" >/dev/null 2>&1; then
    CHANGES=$((CHANGES + 1))
    CODE_CHANGED=1
    if [ "$DRY_RUN" = 1 ]; then
      echo "would: copy $SRC to $TARGET (keeping $TARGET/.venv)"
    else
      echo "+ copy $SRC to $TARGET (keeping $TARGET/.venv)"
      rm -rf "$TARGET.new" "$TARGET.old"
      mkdir -p "$TARGET.new"
      tar -C "$SRC" "${tar_excludes[@]}" -cf - . | tar -C "$TARGET.new" --no-same-owner -xf -
      chmod 0755 "$TARGET.new"
      if [ -d "$TARGET/.venv" ]; then mv "$TARGET/.venv" "$TARGET.new/.venv"; fi
      if [ -d "$TARGET" ]; then mv "$TARGET" "$TARGET.old"; fi
      mv "$TARGET.new" "$TARGET"
      rm -rf "$TARGET.old"
    fi
  fi
fi

# --- the Python environment ---------------------------------------------------------------
# WMS_LITESTREAM=1 in /etc/wms/wms.env: the replication extra (the litestream program) too.
env_file="$ROOT/etc/wms/wms.env"
[ -e "$env_file" ] || env_file="$SRC/deploy/wms.env"
litestream="$(sed -n 's/^WMS_LITESTREAM=\([0-9]*\).*/\1/p' "$env_file" | tail -n 1)"
extras=postgres
[ "${litestream:-0}" = 0 ] || extras=postgres,replication
if [ -n "$ROOT" ]; then
  echo "not done (--root): python3 -m venv /opt/wms/.venv && /opt/wms/.venv/bin/pip install '/opt/wms[$extras]'"
elif [ ! -x /opt/wms/.venv/bin/wms ] || [ "$CODE_CHANGED" = 1 ] ||
    { [ "$extras" != postgres ] && [ ! -x /opt/wms/.venv/bin/litestream ]; }; then
  [ -x /opt/wms/.venv/bin/python ] || change python3 -m venv /opt/wms/.venv
  change /opt/wms/.venv/bin/pip install --quiet --disable-pip-version-check "/opt/wms[$extras]"
  rm -rf /opt/wms/build /opt/wms/*.egg-info
fi

# --- settings and the hardware file (installed once, then the administrator's) -------------
file "$SRC/deploy/wms.env" /etc/wms/wms.env 0640 root:wms keep
file "$SRC/deploy/wms.toml.example" /var/lib/wms/var/wms.toml 0640 wms:wms keep

# --- systemd units, udev rules, journald limits -------------------------------------------
units=()
for unit in "$SRC"/deploy/*.service "$SRC"/deploy/*.timer; do
  [ -e "$unit" ] || continue
  name="$(basename "$unit")"
  file "$unit" "/etc/systemd/system/$name" 0644 root:root replace
  if grep -q '^WantedBy=\|^RequiredBy=' "$unit"; then units+=("$name"); fi
done
file "$SRC/deploy/70-wms.rules" /etc/udev/rules.d/70-wms.rules 0644 root:root replace
file "$SRC/deploy/99-wms-names.rules" /etc/udev/rules.d/99-wms-names.rules 0644 root:root keep
if [ -e "$ROOT/etc/udev/rules.d/99-wms-scanners.rules" ]; then
  echo "note: /etc/udev/rules.d/99-wms-scanners.rules is from an older install: move its lines" \
    "to 99-wms-names.rules (names /dev/wms-scanner-*), then delete it"
fi
file "$SRC/deploy/journald-wms.conf" /etc/systemd/journald.conf.d/wms.conf 0644 root:root replace

# --- avahi: the gateway answers as NAME.local and announces the app -----------------------
# The announced port follows /etc/wms/wms.env: behind the TLS proxy (WMS_PROXY_HOPS set,
# deploy/TLS.md) https on 443, otherwise http on WMS_BIND's port (8000).
env_file="$ROOT/etc/wms/wms.env"
[ -e "$env_file" ] || env_file="$SRC/deploy/wms.env"
hops="$(sed -n 's/^WMS_PROXY_HOPS=\([0-9]*\).*/\1/p' "$env_file" | tail -n 1)"
bind="$(sed -n 's/^WMS_BIND=\([^ #]*\).*/\1/p' "$env_file" | tail -n 1)"
if [ "${hops:-0}" -gt 0 ]; then
  service_type=_https._tcp port=443
else
  service_type=_http._tcp port="${bind##*:}"
  port="${port:-8000}"
fi
avahi_service="$(mktemp)"
trap 'rm -f "$avahi_service"' EXIT
cat >"$avahi_service" <<EOF
<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<!-- /etc/avahi/services/wms.service, written by deploy/install.sh from /etc/wms/wms.env:
     run install.sh again after changing WMS_PROXY_HOPS or WMS_BIND. -->
<service-group>
  <name>Warehouse terminal on %h</name>
  <service>
    <type>$service_type</type>
    <port>$port</port>
    <txt-record>path=/</txt-record>
  </service>
</service-group>
EOF
file "$avahi_service" /etc/avahi/services/wms.service 0644 root:root replace

# The host name avahi answers for: NAME.local, whatever the system's own host name is.
avahi_conf="$ROOT/etc/avahi/avahi-daemon.conf"
if [ -e "$avahi_conf" ]; then
  if ! grep -qx "host-name=$MDNS_NAME" "$avahi_conf"; then
    CHANGES=$((CHANGES + 1))
    AVAHI_CHANGED=1
    if grep -q '^#\{0,1\}host-name=' "$avahi_conf"; then
      edit=(sed -i "s/^#\{0,1\}host-name=.*/host-name=$MDNS_NAME/" "$avahi_conf")
    else
      edit=(sed -i "s/^\[server\]\$/[server]\nhost-name=$MDNS_NAME/" "$avahi_conf")
    fi
    if [ "$DRY_RUN" = 1 ]; then echo "would: set host-name=$MDNS_NAME in $avahi_conf"; else
      echo "+ set host-name=$MDNS_NAME in $avahi_conf"; "${edit[@]}"; fi
  fi
else
  echo "note: $avahi_conf is not there yet (it comes with avahi-daemon): run" \
    "install.sh again once it is, or set host-name=$MDNS_NAME in its [server] section"
fi

# --- reload and start ---------------------------------------------------------------------
if [ "$UDEV_CHANGED" = 1 ]; then
  system udevadm control --reload-rules
  system udevadm trigger --subsystem-match=tty --subsystem-match=usb --subsystem-match=usbmisc
fi
[ "$JOURNALD_CHANGED" = 0 ] || system systemctl restart systemd-journald
[ "$AVAHI_CHANGED" = 0 ] || system systemctl restart avahi-daemon
[ "$UNITS_CHANGED" = 0 ] || system systemctl daemon-reload
# New code: what uses the database stops, then `wms upgrade` backs the database up and
# migrates it, bringing the backup back if the migration fails (the services then stay
# stopped, and the old version can be installed again over the database as it was).
if [ "$CODE_CHANGED" = 1 ]; then
  if [ -z "$ROOT" ]; then
    for u in wms-web.service wms-printer.service wms-bridge.service wms-litestream.service; do
      if systemctl is-active --quiet "$u" 2>/dev/null; then change systemctl stop "$u"; fi
    done
  fi
  if ! system systemd-run --quiet --wait --pipe --uid=wms --gid=wms \
      -p WorkingDirectory=/var/lib/wms -p EnvironmentFile=-/etc/wms/wms.env \
      /opt/wms/.venv/bin/wms upgrade; then
    echo "The database could not be upgraded (the lines above say why); the services are" \
      "left stopped. Install the previous version again, or fix the cause and run" \
      "install.sh again." >&2
    exit 1
  fi
fi
if [ "${#units[@]}" -gt 0 ]; then
  if [ -n "$ROOT" ]; then
    system systemctl enable --now "${units[@]}"
  else
    for u in "${units[@]}"; do
      systemctl is-enabled --quiet "$u" 2>/dev/null || change systemctl enable "$u"
      if [ "$CODE_CHANGED" = 1 ] || [ "$UNITS_CHANGED" = 1 ]; then
        change systemctl restart "$u"
      elif ! systemctl is-active --quiet "$u"; then
        change systemctl start "$u"
      fi
    done
  fi
fi

if [ "$CHANGES" = 0 ]; then
  echo "Nothing to change: the gateway is as this checkout installs it."
elif [ "$DRY_RUN" = 1 ]; then
  echo "$CHANGES changes to make (dry run: none made)."
else
  echo "$CHANGES changes made."
fi
if [ "$CHANGES" -gt 0 ] && [ "$DRY_RUN" = 0 ] && [ -z "$ROOT" ]; then
  cat <<EOF

Next (README, "Running it on a gateway"):
  - /var/lib/wms/var/wms.toml: printers, stations, scanners (names from
    /etc/udev/rules.d/99-wms-names.rules); /etc/wms/wms.env: settings
  - the first admin:
      sudo -u wms env -C /var/lib/wms /opt/wms/.venv/bin/wms user add NAME --role admin --password ...
  - the scanner bridge's token (a user of its own, role operator):
      sudo -u wms env -C /var/lib/wms /opt/wms/.venv/bin/wms user add bridge --role operator
      sudo -u wms env -C /var/lib/wms sh -c '/opt/wms/.venv/bin/wms token create bridge > var/station-token'
  - HTTPS for the handhelds: /opt/wms/deploy/TLS.md; the gateway answers as $MDNS_NAME.local
  - logs: journalctl -u 'wms-*'
EOF
fi
