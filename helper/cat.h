/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables cat NAME UNIT...`: the unit and its drop-ins exactly as the generator writes them. */
int verb_cat(int argc, char **argv);
