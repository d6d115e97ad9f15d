#!/usr/bin/env bash
# Install the warehouse terminal on a Raspberry Pi OS / Debian gateway (run as root).
# Code goes to /opt/wms, data to /var/lib/wms (keep it on a writable, persistent
# partition: an overlay root loses everything on reboot), settings to /etc/wms/wms.env.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"

apt-get install -y python3 python3-venv
id wms >/dev/null 2>&1 || useradd --system --home /var/lib/wms --shell /usr/sbin/nologin wms
usermod -aG dialout,lp wms
install -d -o wms -g wms -m 0750 /var/lib/wms
install -d -m 0755 /etc/wms
[ -f /etc/wms/wms.env ] || install -m 0640 -g wms "$SRC/deploy/wms.env" /etc/wms/wms.env

if [ "$SRC" != /opt/wms ]; then
  rm -rf /opt/wms && cp -a "$SRC" /opt/wms && rm -rf /opt/wms/.venv /opt/wms/var
fi
python3 -m venv /opt/wms/.venv
/opt/wms/.venv/bin/pip install --quiet '/opt/wms[postgres]'

[ -f /var/lib/wms/var/wms.toml ] || install -D -o wms -g wms -m 0640 \
  /opt/wms/deploy/wms.toml.example /var/lib/wms/var/wms.toml
install -m 0644 /opt/wms/deploy/99-wms-scanners.rules /etc/udev/rules.d/
udevadm control --reload-rules || true
install -m 0644 /opt/wms/deploy/wms-web.service /opt/wms/deploy/wms-printer.service \
  /opt/wms/deploy/wms-bridge.service /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now wms-web.service wms-printer.service wms-bridge.service
echo "Installed. Edit /var/lib/wms/var/wms.toml (printers, stations, scanners), then add users:"
echo "  sudo -u wms env -C /var/lib/wms /opt/wms/.venv/bin/wms user add NAME --role admin --password ..."
echo "and give the scanner bridge its token (a user of its own, role operator):"
echo "  sudo -u wms env -C /var/lib/wms /opt/wms/.venv/bin/wms user add bridge --role operator"
echo "  sudo -u wms env -C /var/lib/wms sh -c '/opt/wms/.venv/bin/wms token create bridge > var/station-token'"
echo "Check the scanners with: sudo -u wms env -C /var/lib/wms /opt/wms/.venv/bin/wms bridge --check"
