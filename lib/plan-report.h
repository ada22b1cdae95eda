/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "plan.h"

/* The generator's decisions, kept where they survive a boot without /dev/kmsg (a container: the
 * lines a generator logs at boot are lost there, as systemd's own generators' are): every image
 * not attached and every unit not attached, with all its reasons, one line each, with the syslog
 * priority prefix systemd-cat --level-prefix=true reads ("<4>Image ...: unit ... not attached: ...").
 * The generator writes them to PLAN_REPORT_FILE in its output directory and pulls in
 * portables-report.service, which forwards them to the journal once it runs. */

#define PLAN_REPORT_FILE ".portables-report"

/* Appends p's lines to *report. */
int plan_report_append(const ImagePlan *p, char **report);
