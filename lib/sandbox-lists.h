/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "unit-extract.h"

/* Sandbox settings whose assignments add up instead of replacing each other:
 * SystemCallFilter=, RestrictAddressFamilies=, CapabilityBoundingSet=, RestrictFileSystems=,
 * RestrictNetworkInterfaces=, SystemCallArchitectures=. A unit (or its drop-ins in the image) that
 * lists more than the profile would widen it: systemd merges "SystemCallFilter=@mount" from the
 * unit with the profile's "@system-service", and a unit's deny list ("~@clock") turns the profile's
 * allow list into exceptions to it.
 *
 * So for each such setting the profile assigns, the profile drop-in first resets it (an empty
 * assignment drops everything the unit and the image's drop-ins said), then applies the profile,
 * then re-applies what of the unit's own lists can only narrow the profile's:
 *  - deny entries ("~...") of all of them, which remove from the profile's allow list;
 *  - for CapabilityBoundingSet= and RestrictAddressFamilies=, the intersection of the unit's and
 *    the profile's allow lists (capability and family names are atomic, so it can be computed).
 * Allow entries of the unit that cannot be intersected (system call groups, file systems,
 * interfaces, architectures) are dropped and listed in *ret_dropped.
 *
 * Returns the [Service] text to write before the profile's content (*ret_before) and after it
 * (*ret_after), either may be NULL. */
int sandbox_lists_merge(const ImageUnit *u, const char *profile_text, char **ret_before, char **ret_after,
                        char ***ret_dropped);

/* The allow list the profile's assignments of list setting key amount to (the words after the
 * last reset), or NULL if the profile does not set it or denies rather than allows. */
int sandbox_lists_profile_allowed(const char *profile_text, const char *key, char ***ret);
