/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* plan_unit() (lib/plan-internal.h) as a converter, the way podman's quadlet tests its own: a unit
 * and the facts it is planned with (the host's units, the names already claimed, the profile, the
 * rules' context) in, the files written for it or the reason it is skipped out. No file system, no
 * planner: everything comes in PlanUnitInput. */

#include "host-units.h"
#include "log.h"
#include "macro.h"
#include "plan-internal.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

static char *host_units[] = {
        (char *) "getty@tty1.service",
        (char *) "host.service",
        (char *) "ssh.service",
        NULL,
};

static const DiscoveredImage image = {
        .filename = (char *) "foo",
        .dir = (char *) "/var/lib/portables",
        .path = (char *) "/var/lib/portables/foo",
        .name = (char *) "foo",
        .type = IMAGE_DIRECTORY,
};

static PlannerProfile profile = {
        .name = (char *) "default",
        .dynamic_user = 1,
        .profile = {
                .name = (char *) "default",
                .dir = (char *) "/usr/lib/systemd/portable/profile/default",
                .texts = { [UNIT_SERVICE] = (char *) "[Service]\nDynamicUser=yes\nProtectSystem=strict\n" },
        },
};

/* What each case starts from: a fresh plan of image foo under profile, and its inputs. */
typedef struct Case {
        ImagePlan plan;
        char **claimed;
        bool verity_dropin_planned;
        char **own;
        UnitRuleContext rules;
        PlanUnitInput in;
} Case;

static void case_init(Case *c, const char *profile_name, char **own) {
        *c = (Case) {
                .plan = { .image = &image, .profile = (char *) profile_name },
                .own = own,
        };
        c->rules = (UnitRuleContext) { .own_units = c->own, .protected_paths = NULL };
        c->in = (PlanUnitInput) {
                .host_units = host_units,
                .claimed = &c->claimed,
                .verity_dropin_planned = &c->verity_dropin_planned,
                .host_has_etc_os_release = true,
                .profile = &profile,
                .enable = true,
                .rules = &c->rules,
        };
}

static void case_done(Case *c) {
        for (size_t k = 0; k < c->plan.n_units; k++)
                planned_unit_done(c->plan.units + k);
        free(c->plan.units);
        strv_free(c->claimed);
}

static ImageUnit service(const char *name, const char *content) {
        return (ImageUnit) {
                .name = (char *) name,
                .type = UNIT_SERVICE,
                .source = (char *) "/usr/lib/systemd/system/x",
                .content = (char *) content,
        };
}

static const PlannedFile *file(const PlannedUnit *u, const char *name) {
        for (size_t k = 0; k < u->n_files; k++)
                if (streq(u->files[k].name, name))
                        return u->files + k;
        return NULL;
}

static bool names_are_none(char *const *l) {
        return strv_length(l) == 0;
}

/* l is exactly the names given, in that order. */
static bool names_are(char *const *l, const char *a, const char *b) {
        return strv_length(l) == (b ? 2 : a ? 1 : 0) && (!a || streq(l[0], a)) && (!b || streq(l[1], b));
}

static const char foo_text[] =
        "[Unit]\nDescription=foo\n\n[Service]\nExecStart=/usr/bin/foo\n\n[Install]\nWantedBy=multi-user.target\n";

TEST(attached) {
        char *own[] = { (char *) "foo.service", NULL };
        ImageUnit u = service("foo.service", foo_text);
        const PlannedFile *f;
        Case c;

        case_init(&c, "default", own);
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        CHECK_INT(c.plan.n_units, 1);
        CHECK_STR(c.plan.units[0].skipped, NULL);
        CHECK_STR(c.plan.units[0].name, "foo.service");

        /* Written in order: the profile, the portable drop-in, the unit, then its links. */
        CHECK_INT(c.plan.units[0].n_files, 4);
        CHECK_STR(c.plan.units[0].files[0].name, "foo.service.d/10-profile.conf");
        CHECK_STR(c.plan.units[0].files[1].name, "foo.service.d/20-portable.conf");
        CHECK_STR(c.plan.units[0].files[2].name, "foo.service");
        CHECK_STR(c.plan.units[0].files[3].name, "multi-user.target.wants/foo.service");

        f = file(c.plan.units, "foo.service.d/10-profile.conf");
        CHECK(f && strstr(f->text, "DynamicUser=yes\nProtectSystem=strict\n"));
        f = file(c.plan.units, "foo.service.d/20-portable.conf");
        CHECK(f && strstr(f->text, "\nRootDirectory=/var/lib/portables/foo\n"));
        CHECK(f && strstr(f->text, "\nEnvironment=\"PORTABLE=foo\"\n"));
        CHECK(f && strstr(f->text, "\nBindReadOnlyPaths=/etc/os-release:/run/host/os-release\n"));
        f = file(c.plan.units, "foo.service");
        CHECK(f && endswith(f->text, foo_text));
        f = file(c.plan.units, "multi-user.target.wants/foo.service");
        CHECK(f && !f->text && streq(f->link_target, "../foo.service"));

        /* Claimed: a later image cannot offer it again. */
        CHECK(names_are(c.claimed, "foo.service", NULL));
        case_done(&c);
}

TEST(host_os_release) {
        char *own[] = { (char *) "foo.service", NULL };
        ImageUnit u = service("foo.service", foo_text);
        const PlannedFile *f;
        Case c;

        case_init(&c, "default", own);
        c.in.host_has_etc_os_release = false;
        c.in.host_has_usr_os_release = true;
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        f = file(c.plan.units, "foo.service.d/20-portable.conf");
        CHECK(f && strstr(f->text, "\nBindReadOnlyPaths=/usr/lib/os-release:/run/host/os-release\n"));
        case_done(&c);

        case_init(&c, "default", own);
        c.in.host_has_etc_os_release = false;
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        f = file(c.plan.units, "foo.service.d/20-portable.conf");
        CHECK(f && !strstr(f->text, "os-release"));
        case_done(&c);
}

TEST(not_enabled) {
        char *own[] = { (char *) "foo.service", NULL };
        ImageUnit u = service("foo.service", foo_text);
        Case c;

        case_init(&c, "default", own);
        c.in.enable = false;
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        CHECK_STR(c.plan.units[0].skipped, NULL);
        CHECK_INT(c.plan.units[0].n_files, 3);
        CHECK(!file(c.plan.units, "multi-user.target.wants/foo.service"));
        case_done(&c);
}

/* Skipped, with the reason, no files, and not claimed. */
static void check_skipped(Case *c, const char *reason_part) {
        CHECK_INT(c->plan.n_units, 1);
        CHECK(c->plan.units[0].skipped && strstr(c->plan.units[0].skipped, reason_part));
        if (c->plan.units[0].skipped && !strstr(c->plan.units[0].skipped, reason_part))
                fprintf(stderr, "    skipped: %s\n", c->plan.units[0].skipped);
        CHECK_INT(c->plan.units[0].n_files, 0);
}

TEST(host_unit) {
        char *own[] = { (char *) "ssh.service", NULL };
        ImageUnit u = service("ssh.service", foo_text);
        Case c;

        case_init(&c, "default", NULL);
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        check_skipped(&c, "exists on the host");
        CHECK(names_are_none(c.claimed));
        case_done(&c);

        /* Not on the host: the same unit is attached. */
        case_init(&c, "default", own);
        c.in.host_units = NULL;
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        CHECK_STR(c.plan.units[0].skipped, NULL);
        case_done(&c);
}

TEST(claimed) {
        char *own[] = { (char *) "foo.service", NULL };
        ImageUnit u = service("foo.service", foo_text);
        Case c;

        case_init(&c, "default", own);
        CHECK_INT(strv_extend(&c.claimed, "foo.service"), 0);
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        check_skipped(&c, "higher precedence");
        CHECK(names_are(c.claimed, "foo.service", NULL));
        case_done(&c);
}

TEST(template_with_host_instance) {
        ImageUnit u = service("getty@.service", "[Service]\nExecStart=/bin/true\n");
        Case c;

        case_init(&c, "default", NULL);
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        check_skipped(&c, "getty@tty1.service");
        case_done(&c);
}

TEST(prefix_dropin_name) {
        char *own[] = { (char *) "foo-.service", NULL };
        ImageUnit u = service("foo-.service", "[Service]\nExecStart=/bin/true\n");
        Case c;

        case_init(&c, "trusted", own);
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        check_skipped(&c, "prefix");
        case_done(&c);
}

TEST(rules) {
        ImageUnit u = service("foo.service", "[Service]\nExecStartPre=+/bin/sh -c 'id'\nExecStart=/usr/bin/foo\n");
        Case c;

        /* Not among the units that passed the rules already: checked here, and refused. */
        case_init(&c, "default", NULL);
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        check_skipped(&c, "asks for more than profile 'default' allows");
        CHECK(!names_are_none(c.plan.units[0].violations));
        CHECK(names_are_none(c.claimed));
        case_done(&c);

        /* The trusted profile runs it as it is. */
        case_init(&c, "trusted", NULL);
        CHECK_INT(plan_unit(&c.in, &c.plan, &u), 0);
        CHECK_STR(c.plan.units[0].skipped, NULL);
        case_done(&c);
}

TEST(verity_dropin_once) {
        char *own[] = { (char *) "foo.service", (char *) "foo-web.service", NULL };
        ImageUnit a = service("foo.service", foo_text), b = service("foo-web.service", foo_text);
        Case c;

        case_init(&c, "default", own);
        c.plan.verity.verify_dropin_name = (char *) "portables-verify@x.service.d/50-roothash.conf";
        c.plan.verity.verify_dropin_text = (char *) "[Service]\n";
        CHECK_INT(plan_unit(&c.in, &c.plan, &a), 0);
        CHECK_INT(plan_unit(&c.in, &c.plan, &b), 0);
        CHECK_INT(c.plan.n_units, 2);
        CHECK(file(c.plan.units + 0, "portables-verify@x.service.d/50-roothash.conf"));
        CHECK(!file(c.plan.units + 1, "portables-verify@x.service.d/50-roothash.conf"));
        CHECK(c.verity_dropin_planned);
        CHECK(names_are(c.claimed, "foo.service", "foo-web.service"));
        c.plan.verity = (VerityPlan) {};
        case_done(&c);
}

TEST(host_units_lookup) {
        CHECK(host_units_contains(host_units, "ssh.service"));
        CHECK(!host_units_contains(host_units, "sshd.service"));
        CHECK(!host_units_contains(NULL, "ssh.service"));
        CHECK_STR(host_units_instance_of(host_units, "getty@.service"), "getty@tty1.service");
        CHECK_STR(host_units_instance_of(host_units, "getty@.socket"), NULL);
        CHECK_STR(host_units_instance_of(host_units, "ssh.service"), NULL);
}

int main(void) {
        log_set_max_level(LOG_CRIT);

        RUN(attached);
        RUN(host_os_release);
        RUN(not_enabled);
        RUN(host_unit);
        RUN(claimed);
        RUN(template_with_host_instance);
        RUN(prefix_dropin_name);
        RUN(rules);
        RUN(verity_dropin_once);
        RUN(host_units_lookup);
        return tests_finish();
}
