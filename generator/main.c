/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"
int main(int argc, char *argv[]) {
        log_setup("systemd-portable-generator", LOG_TARGET_AUTO);
        return 0;
}
