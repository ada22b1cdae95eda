# SPDX-License-Identifier: LGPL-2.1-or-later
# ptest: at-boot
# Images present at boot (put into /var/lib/portables of the tree before it booted by `run`):
# bootyes.raw (Enable= default, yes) is active without any command; bootno.raw with
# bootno.portable [Portable] Enable=no is loaded but was not started. A garbage bootbad.raw is
# skipped, and the line saying so (written at boot, before journald runs) reaches the journal,
# through portables-report.service where there is no /dev/kmsg.
involve bootyes.service bootno.service
check "bootyes.service loaded" is_loaded bootyes.service
check "bootyes.service came up at boot, no manual start" is_running bootyes.service 10
check "bootyes.service is wanted by multi-user.target" prop_matches bootyes.service WantedBy 'multi-user.target'
check "the .wants link is in the generator dir" test -L $GEN_DIR/multi-user.target.wants/bootyes.service
# Started by the boot transaction, i.e. before this scenario runner (which is ordered after multi-user.target).
t_yes=$(prop bootyes.service ActiveEnterTimestampMonotonic)
t_me=$(prop ptest.service ExecMainStartTimestampMonotonic)
check "bootyes.service became active before the scenario runner started" test "${t_yes:-0}" -gt 0 -a "${t_yes:-0}" -le "${t_me:-0}"
check "bootno.service loaded" is_loaded bootno.service
check "bootno.service (Enable=no) is inactive" is_inactive bootno.service
check "bootno.service has no .wants link" test ! -e $GEN_DIR/multi-user.target.wants/bootno.service
check "bootno.service can still be started by hand" sh -c 'systemctl start bootno.service && systemctl is-active -q bootno.service'
# Generators run before journald; their fallback is /dev/kmsg, which nspawn does not give a
# container (PID 1 connects their stderr to /dev/null). The generator also keeps what it did not
# attach in its output directory, and portables-report.service forwards it once journald runs.
check "the generator kept its report of what is not attached" grep -q 'bootbad\.raw' $GEN_DIR/.portables-report
check "portables-report.service ran at boot" prop_is portables-report.service Result success
check "the boot-time line about bootbad.raw reached the journal" journal_has SYSLOG_IDENTIFIER=$GEN_ID 'bootbad\.raw' 1
