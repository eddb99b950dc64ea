# SPDX-License-Identifier: GPL-2.0
# Job "shell", sourced by /init: an interactive shell on the serial console
# (cttyhack gives it a controlling tty so that ^C works). Exit to power off.

echo "box: shell; 'exit' powers off, or Ctrl-A X quits QEMU"
setsid cttyhack sh -l
