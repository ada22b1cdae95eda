/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables is-attached NAME|PATH`: prints what the generator does with the image (attached,
 * refused, masked, shadowed, invalid, not-inspected; not-attached when there is no such image in
 * a portables directory). Exit status 0 only when attached, 1 otherwise (as portablectl's). */
int verb_is_attached(int argc, char **argv);
