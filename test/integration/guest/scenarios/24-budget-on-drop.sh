# SPDX-License-Identifier: LGPL-2.1-or-later
# Attach on drop meets the time budget: with portables-refresh.path enabled and TimeBudgetSec=1ms,
# five raw images the cache has never seen are dropped into /var/lib/portables. The refresh's
# reload defers some of them; nobody types a command, and yet every image ends up attached and its
# enabled unit running (the deferred ones through portables-prepare.service, or however the refresh
# chooses to finish them): a drop must never leave images half attached until the next boot.
IMGS=(rl1 rl2 rl3 rl4 rl5)
involve portables-refresh.service portables-refresh.path portables-prepare.service "${IMGS[@]/%/.service}"

# wait_loaded_from_generator UNIT SECONDS: the generator attached UNIT within SECONDS.
wait_loaded_from_generator() {
        local i
        for ((i = 0; i < $2 * 10; i++)); do
                [[ "$(prop "$1" FragmentPath)" == "$GEN_DIR/"* ]] && return 0
                sleep 0.1
        done
        say "$1 LoadState='$(prop "$1" LoadState)' FragmentPath='$(prop "$1" FragmentPath)' after ${2}s"
        return 1
}

trap 'systemctl disable --now portables-refresh.path >/dev/null 2>&1 || :' EXIT

require "portables-refresh.path is installed" is_loaded portables-refresh.path
mkdir -p /etc/systemd
printf '[Portable]\nTimeBudgetSec=1ms\n' >/etc/systemd/portable.conf
systemctl enable --now portables-refresh.path
require "portables-refresh.path is waiting" wait_state portables-refresh.path '^active/waiting' 5

mark
for n in "${IMGS[@]}"; do place "$n.raw" /var/lib/portables; done
check "the refresh's reload deferred images" gen_log_has 'image\(s\) deferred to portables-prepare\.service' 15
for n in "${IMGS[@]}"; do
        check "$n.service attached within 30s, no command" wait_loaded_from_generator "$n.service" 30
        check "$n.service (enabled) running" is_running "$n.service" 5
done
