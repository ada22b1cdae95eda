/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables prepare`: plans every image as the generator does, without its time budget, so that
 * what the generator reads from raw images is in the extraction cache; a reload after it then
 * attaches images a budget-limited generator run deferred. Run by portables-prepare.service. */
int verb_prepare(int argc, char **argv);
