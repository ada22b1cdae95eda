/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* unit_check_rules(): the allowlist, with values read as systemd reads them. Each case is a unit
 * that systemd would read one way and a naive reader another (quoting, escaping, line ends, byte
 * order marks, specifiers), or a setting whose host effect depends on its value. */

#include "extract-word.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"
#include "unit-rules.h"

static char *own[] = { "foo.service", "foo.socket", "foo-web.service", "foo@.service", "foo.target", NULL };
static char *protected_paths[] = { "/etc/machine-id", "/dev/log", "/run/host", NULL };
static char *ro_binds[] = { "/dev/log", "/etc/machine-id", NULL };
static char *caps[] = { "CAP_NET_BIND_SERVICE", "CAP_SETUID", NULL };
static char *state_dirs[] = { "/var/lib/foo", NULL };
static char *writable_dirs[] = { "/var/lib/foo", "/run/foo", NULL };
static char *host_user_list[] = { "root", "nobody", "hostuser", NULL };
static char *host_group_list[] = { "root", "wheel", NULL };

/* The host has /run/hostdir and /var/lib/hostdir; the image claimed /run/foo. */
static int fake_run_dir(void *userdata, const char *name) {
        if (!startswith(name, "foo") && !streq(name, "hostdir") && !streq(name, "systemd"))
                return UNIT_RULE_HOST_FOREIGN_NAME;
        return !streq(name, "hostdir") && !streq(name, "systemd");
}
static int fake_state_dir(void *userdata, const char *base, const char *name) {
        return !streq(name, "hostdir") && !streq(name, "dpkg");
}

static const UnitRuleHost fake_host = { .run_dir_usable = fake_run_dir, .state_dir_usable = fake_state_dir };

/* Number of violations of a unit of that name (its type from the suffix) with that text;
 * *ret_first gets the first. */
static int rules(const char *name, const char *text, bool network, char **ret_first) {
        HostUsers hu = { .users = host_user_list, .groups = host_group_list };
        UnitRuleContext rc = {
                .own_units = own,
                .host = &hu,
                .protected_paths = protected_paths,
                .profile_ro_binds = ro_binds,
                .profile_caps = caps,
                .profile_network = network,
                .state_dirs = state_dirs,
                .writable_dirs = writable_dirs,
                .host_state = &fake_host,
        };
        ImageUnit u = {
                .name = (char *) name,
                .type = unit_name_type(name),
                .source = (char *) "/usr/lib/systemd/system/unit",
                .content = (char *) text,
        };
        char **v = NULL;
        int r;

        r = unit_check_rules(&u, &rc, &v);
        if (ret_first)
                *ret_first = v ? strdup(v[0]) : NULL;
        if (r > 0 && getenv("TEST_VERBOSE"))
                STRV_FOREACH(l, v)
                        fprintf(stderr, "        %s\n", *l);
        strv_free(v);
        return r;
}

#define OK(name, text) CHECK_INT(rules(name, text, true, NULL), 0)
#define REFUSED(name, text) CHECK(rules(name, text, true, NULL) > 0)

TEST(extract_word) {
        const char *p;
        char *w;

        /* systemd's quoting and escaping: the word a rule sees is the one systemd acts on. */
        p = "\"+/bin/sh\" -c x";
        CHECK_INT(extract_first_word_full(&p, &w, NULL, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE), 1);
        CHECK_STR(w, "+/bin/sh");
        free(w);
        p = "\\x2b/bin/sh";
        CHECK_INT(extract_first_word_full(&p, &w, NULL, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE), 1);
        CHECK_STR(w, "+/bin/sh");
        free(w);
        p = "\\053/bin \\u002b 'a\\tb'";
        CHECK_INT(extract_first_word_full(&p, &w, NULL, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE), 1);
        CHECK_STR(w, "+/bin");
        free(w);
        CHECK_INT(extract_first_word_full(&p, &w, NULL, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE), 1);
        CHECK_STR(w, "+");
        free(w);
        /* Escapes work inside single quotes too. */
        CHECK_INT(extract_first_word_full(&p, &w, NULL, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE), 1);
        CHECK_STR(w, "a\tb");
        free(w);
        CHECK_INT(extract_first_word_full(&p, &w, NULL, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE), 0);
        CHECK(p == NULL);
        /* Quotes in the middle of a word, and no NUL bytes. */
        p = "a\"b c\"d";
        CHECK_INT(extract_first_word_full(&p, &w, NULL, EXTRACT_UNQUOTE), 1);
        CHECK_STR(w, "ab cd");
        free(w);
        p = "\\x00";
        CHECK_INT(extract_first_word_full(&p, &w, NULL, EXTRACT_CUNESCAPE), -EINVAL);
        p = "\"open";
        CHECK_INT(extract_first_word_full(&p, &w, NULL, EXTRACT_UNQUOTE), -EINVAL);
        /* Without EXTRACT_UNQUOTE quotes are characters. */
        p = "\"root\"";
        CHECK_INT(extract_first_word_full(&p, &w, NULL, 0), 1);
        CHECK_STR(w, "\"root\"");
        free(w);
        /* Separators not coalesced: empty words. */
        p = "a::b";
        CHECK_INT(extract_first_word_full(&p, &w, ":", EXTRACT_DONT_COALESCE_SEPARATORS), 1);
        CHECK_STR(w, "a");
        free(w);
        CHECK_INT(extract_first_word_full(&p, &w, ":", EXTRACT_DONT_COALESCE_SEPARATORS), 1);
        CHECK_STR(w, "");
        free(w);
        CHECK_INT(extract_first_word_full(&p, &w, ":", EXTRACT_DONT_COALESCE_SEPARATORS), 1);
        CHECK_STR(w, "b");
        free(w);
}

TEST(exec_prefixes) {
        OK("foo.service", "[Service]\nExecStart=/usr/bin/foo --x\nExecStartPre=-/bin/true\nExecStop=@/bin/kill kill\n");
        REFUSED("foo.service", "[Service]\nExecStartPre=+/bin/sh\n");
        REFUSED("foo.service", "[Service]\nExecStartPre=-!!/bin/sh\n");
        REFUSED("foo.service", "[Service]\nExecStartPre=:@!/bin/sh\n");
        /* Quoted and escaped: systemd unquotes and unescapes the first word before its prefix. */
        REFUSED("foo.service", "[Service]\nExecStartPre=\"+/bin/sh\" -c id\n");
        REFUSED("foo.service", "[Service]\nExecStartPre='+/bin/sh'\n");
        REFUSED("foo.service", "[Service]\nExecStartPre=\\x2b/bin/sh\n");
        REFUSED("foo.service", "[Service]\nExecStartPre=\\053/bin/sh\n");
        REFUSED("foo.service", "[Service]\nExecStartPre=\\u0021/bin/sh\n");
        REFUSED("foo.service", "[Service]\nExecStartPre=\"\"+/bin/sh\n");
        /* The second command of a line. */
        REFUSED("foo.service", "[Service]\nExecStartPre=/bin/true ; +/bin/sh\n");
        REFUSED("foo.service", "[Service]\nExecStartPre=/bin/true x y;\t;  !/bin/sh\n");
        /* An escaped semicolon is an argument, not a separator. */
        OK("foo.service", "[Service]\nExecStartPre=/bin/echo \\; +/bin/sh\n");
        OK("foo.service", "[Service]\nExecStartPre=/bin/echo \"+x\" ';'\n");
        /* Hidden behind a byte order mark, a lone CR, a continuation, in a drop-in section. */
        REFUSED("foo.service", "\xef\xbb\xbf[Service]\nExecStartPre=+/bin/sh\n");
        REFUSED("foo.service", "[Service]\nEnvironment=A=1\rExecStartPre=+/bin/sh\n");
        REFUSED("foo.service", "[Service]\nEnvironment=A=1 \\\n B=2\nExecStart=\\\n+/bin/sh\n");
        REFUSED("foo.service", "[Service]\n#c\n\xef\xbb\xbf" "ExecStartPre=!/bin/sh\n");
        /* Unparsable: refused rather than guessed. */
        REFUSED("foo.service", "[Service]\nExecStart=\"/bin/sh\n");
        /* Socket units run their commands outside the sandbox. */
        REFUSED("foo.socket", "[Socket]\nListenStream=/run/foo/s\nExecStartPre=/bin/true\n");
}

TEST(identities) {
        OK("foo.service", "[Service]\nUser=foo\nGroup=foo\nSupplementaryGroups=foo-extra audio2\n");
        REFUSED("foo.service", "[Service]\nUser=root\n");
        REFUSED("foo.service", "[Service]\nUser=0\n");
        REFUSED("foo.service", "[Service]\nUser=1000\n");
        REFUSED("foo.service", "[Service]\nGroup=00\n");
        /* %U, %u, %g are the service manager's own: root. */
        REFUSED("foo.service", "[Service]\nUser=%U\n");
        REFUSED("foo.service", "[Service]\nUser=%u\n");
        REFUSED("foo.service", "[Service]\nSupplementaryGroups=%g\n");
        /* Host accounts, by name or through a specifier that resolves to one. */
        REFUSED("foo.service", "[Service]\nUser=hostuser\n");
        REFUSED("foo.service", "[Service]\nSupplementaryGroups=wheel\n");
        REFUSED("foo.service", "[Service]\nUser=nobody\n");
        OK("foo.service", "[Service]\nUser=%p\n");
        REFUSED("hostuser.service", "[Service]\nUser=%p\n");
        /* A template's instance is whoever starts it chooses: foo@root.service. */
        REFUSED("foo@.service", "[Service]\nUser=%i\n");
        /* Quotes are not removed from User=: not a plain name. */
        REFUSED("foo.service", "[Service]\nUser=\"root\"\n");
        REFUSED("foo.service", "[Service]\nUser=foo bar\n");
}

TEST(dependencies) {
        OK("foo.service", "[Unit]\nWants=foo-web.service network-online.target\nAfter=network-online.target foo.socket\n"
           "Requires=foo.socket\nBindsTo=foo@x.service\nConflicts=shutdown.target\nBefore=multi-user.target\n");
        REFUSED("foo.service", "[Unit]\nWants=sshd.service\n");
        /* Requires= a passive target pulls in no more than Wants= does. */
        OK("foo.service", "[Unit]\nRequires=network-online.target\nConflicts=umount.target\n");
        REFUSED("foo.service", "[Unit]\nBindsTo=network-online.target\n");
        REFUSED("foo.service", "[Unit]\nUpholds=getty@tty1.service\n");
        /* runlevel6.target is an alias of reboot.target. */
        REFUSED("foo.service", "[Unit]\nRequires=runlevel6.target\n");
        REFUSED("foo.service", "[Unit]\nConflicts=systemd-timesyncd.service\n");
        REFUSED("foo.service", "[Unit]\nJoinsNamespaceOf=dbus.service\n");
        REFUSED("foo.service", "[Unit]\nOnFailure=foo-web.service\nOnFailureJobMode=isolate\n");
        OK("foo.service", "[Unit]\nOnFailure=foo-web.service\nOnFailureJobMode=replace\n");
        /* A name matching the prefix is not the image's: foo-other.service is not in it. */
        REFUSED("foo.service", "[Unit]\nWants=foo-other.service\n");
        /* Specifiers. */
        OK("foo.service", "[Unit]\nWants=%p-web.service\n");
        REFUSED("foo.service", "[Unit]\nWants=%H.service\n");
        REFUSED("foo@.service", "[Unit]\nWants=%i.target\n");
        OK("foo@.service", "[Unit]\nWants=foo@%i.service\n");
        /* Names this check does not take for units are refused: systemd's rules differ in places
         * (it reads getty@tty1@x.service as an instance of getty@.service). */
        REFUSED("foo.service", "[Unit]\nWants=not/a/unit\n");
        REFUSED("foo.service", "[Unit]\nWants=getty@tty1@x.service\n");
        /* Ordered after a passive target and before an earlier one: a cycle. */
        REFUSED("foo.service", "[Unit]\nAfter=network-online.target\nBefore=nss-lookup.target\n");
        REFUSED("foo.service", "[Unit]\nAfter=time-sync.target\nBefore=time-sync.target\n");
        OK("foo.service", "[Unit]\nAfter=network-online.target\nBefore=multi-user.target\n");
        OK("foo.service", "[Unit]\nAfter=network.target\nBefore=nss-lookup.target\n");
        /* Sockets are ordered before sockets.target anyway; services after it. */
        OK("foo.socket", "[Unit]\nBefore=sockets.target\n[Socket]\nListenStream=/run/foo/s\n");
        REFUSED("foo.service", "[Unit]\nBefore=sockets.target\n");
        /* Sockets= hands over the sockets of the units it names. */
        OK("foo.service", "[Service]\nSockets=foo.socket\n");
        REFUSED("foo.service", "[Service]\nSockets=systemd-journald-dev-log.socket\n");
        REFUSED("foo.service", "[Service]\nSockets=systemd\\x2djournald.socket\n");
        /* Unit= and Service= are one name each. */
        OK("foo.socket", "[Socket]\nListenStream=/run/foo/sock\nService=foo.service\n");
        REFUSED("foo.socket", "[Socket]\nListenStream=/run/foo/sock\nService=dbus.service\n");
}

TEST(install) {
        OK("foo.service", "[Install]\nWantedBy=multi-user.target foo.target\nAlso=foo.socket\nAlias=foo-alias.service\n");
        REFUSED("foo.service", "[Install]\nWantedBy=sshd.service\n");
        REFUSED("foo.service", "[Install]\nRequiredBy=multi-user.target\n");
        REFUSED("foo.service", "[Install]\nAlso=sshd.service\n");
        /* Alias= is read by systemctl enable only, and the generator makes no alias links. */
        OK("foo.service", "[Install]\nAlias=dbus.service\n");
        /* Templates: read for their DefaultInstance=, which is the image's choice. */
        OK("foo@.service", "[Install]\nWantedBy=%p.target\nDefaultInstance=x\n");
        REFUSED("foo@.service", "[Install]\nWantedBy=%i.target\nDefaultInstance=poweroff\n");
}

TEST(sections) {
        /* "X-" sections and assignments before any section are ignored by systemd. */
        OK("foo.service", "Foo=bar\n[X-Custom]\nExecStart=+/bin/sh\n[Service]\nExecStart=/bin/foo\n");
        REFUSED("foo.service", "[Mount]\nWhat=/dev/sda\n");
        REFUSED("foo.service", "[Socket]\nListenStream=1\n");
        REFUSED("foo.socket", "[Service]\nExecStart=/bin/sh\n");
        /* Settings not on the list. */
        REFUSED("foo.service", "[Service]\nImportCredential=*\n");
        REFUSED("foo.service", "[Service]\nexecstart=+/bin/sh\n");
        REFUSED("foo.service", "[service]\nExecStart=/bin/sh\n");
        /* Files systemd does not load at all. */
        REFUSED("foo.service", "[Service]\nExecStart=/bin/\xff\n");
        REFUSED("foo.service", "[Service\nExecStart=/bin/sh\n");
        /* Lines without "=" are ignored by systemd. */
        OK("foo.service", "[Service]\nExecStart=/bin/foo\nnonsense\n");
        /* Empty assignments reset to the defaults. */
        OK("foo.service", "[Service]\nBindPaths=\nUser=\nCPUSchedulingPolicy=\n");
        /* Set back by the profile drop-in. */
        OK("foo.service", "[Service]\nPermissionsStartOnly=yes\nRootDirectoryStartOnly=yes\n");
}

TEST(values) {
        OK("foo.service", "[Service]\nNice=5\nOOMScoreAdjust=100\nCPUSchedulingPolicy=batch\nIOSchedulingClass=idle\n"
           "StandardOutput=journal\nStandardError=fd:foo\nStandardInput=null\nCPUWeight=idle\nMountFlags=slave\n");
        REFUSED("foo.service", "[Service]\nNice=-5\n");
        REFUSED("foo.service", "[Service]\nNice=010\n");
        REFUSED("foo.service", "[Service]\nNice=0x1\n");
        REFUSED("foo.service", "[Service]\nOOMScoreAdjust=-1000\n");
        REFUSED("foo.service", "[Service]\nCPUSchedulingPolicy=fifo\n");
        REFUSED("foo.service", "[Service]\nIOSchedulingClass=realtime\n");
        REFUSED("foo.service", "[Service]\nIOSchedulingClass=1\n");
        REFUSED("foo.service", "[Service]\nCPUWeight=10000\n");
        REFUSED("foo.service", "[Service]\nStandardInput=tty\n");
        REFUSED("foo.service", "[Service]\nStandardOutput=journal+console\n");
        REFUSED("foo.service", "[Service]\nStandardOutput=file:/etc/motd\n");
        REFUSED("foo.service", "[Service]\nMountFlags=shared\n");
        REFUSED("foo.service", "[Unit]\nFailureAction=reboot\n");
        REFUSED("foo.service", "[Service]\nStartLimitAction=poweroff\n");
        REFUSED("foo.service", "[Service]\nLimitMEMLOCK=infinity\n");
        REFUSED("foo.timer", "[Timer]\nOnCalendar=daily\nWakeSystem=yes\n");
}

TEST(paths) {
        OK("foo.service", "[Service]\nReadWritePaths=/var/lib/foo -/srv\nBindReadOnlyPaths=/dev/log:/var/lib/bar/log\n"
           "BindReadOnlyPaths=/dev/log:/run/systemd/journal/dev-log /dev/log:/var/lib/foo\n"
           "AmbientCapabilities=CAP_NET_BIND_SERVICE\n");
        /* Mount points below what the service can write: the service manager makes them following
         * the symlinks the service planted there. */
        REFUSED("foo.service", "[Service]\nBindReadOnlyPaths=/dev/log:/var/lib/foo/log\n");
        REFUSED("foo.service", "[Service]\nBindReadOnlyPaths=/dev/log:/var/lib/foo/sub/log\n");
        REFUSED("foo.service", "[Service]\nBindReadOnlyPaths=/dev/log:/run/foo/x/log\n");
        REFUSED("foo.service", "[Service]\nBindReadOnlyPaths=/dev/log:/tmp/y/log\n");
        REFUSED("foo.service", "[Service]\nBindReadOnlyPaths=-/dev/log:/var/tmp/log:rbind\n");
        REFUSED("foo.service", "[Service]\nBindReadOnlyPaths=/dev/log:/var/lib/%p/log\n");
        /* In the profile's bounding set, and still setuid(0): host uid 0. */
        REFUSED("foo.service", "[Service]\nAmbientCapabilities=CAP_SETUID\n");
        REFUSED("foo.service", "[Service]\nAmbientCapabilities=CAP_NET_BIND_SERVICE cap_setuid\n");
        REFUSED("foo.service", "[Service]\nReadWritePaths=/etc/machine-id\n");
        REFUSED("foo.service", "[Service]\nReadWritePaths=\"/run/host\"\n");
        REFUSED("foo.service", "[Service]\nReadWritePaths=/run/./host/x\n");
        REFUSED("foo.service", "[Service]\nBindReadOnlyPaths=/etc/shadow:/x\n");
        REFUSED("foo.service", "[Service]\nBindReadOnlyPaths=-/etc:/x\n");
        REFUSED("foo.service", "[Service]\nBindPaths=/dev/log\n");
        REFUSED("foo.service", "[Service]\nAmbientCapabilities=CAP_SYS_ADMIN\n");
        REFUSED("foo.service", "[Service]\nAmbientCapabilities=~CAP_SYS_ADMIN\n");
        /* Carried over from the image's /etc/default and /etc/sysconfig (unit-env.h), nothing else. */
        OK("foo.service", "[Service]\nEnvironmentFile=/etc/default/foo\nEnvironmentFile=-/etc/sysconfig/%p\n");
        REFUSED("foo.service", "[Service]\nEnvironmentFile=/etc/shadow\n");
        REFUSED("foo.service", "[Service]\nEnvironmentFile=-/run/foo/env\n");
        REFUSED("foo.service", "[Service]\nEnvironmentFile=/etc/default/../shadow\n");
        REFUSED("foo.service", "[Service]\nEnvironmentFile=/etc/default/*\n");
        REFUSED("foo.service", "[Service]\nEnvironmentFile=/etc/default/%H\n");
}

TEST(host_dirs) {
        OK("foo.service", "[Service]\nStateDirectory=foo\nRuntimeDirectory=foo\nLogsDirectory=foo\nCacheDirectory=%p\n"
           "PIDFile=/run/foo/foo.pid\n");
        REFUSED("foo.service", "[Service]\nStateDirectory=hostdir\n");
        REFUSED("foo.service", "[Service]\nStateDirectory=dpkg\n");
        REFUSED("foo.service", "[Service]\nRuntimeDirectory=hostdir\n");
        REFUSED("foo.service", "[Service]\nRuntimeDirectory=systemd\n");
        REFUSED("foo.service", "[Service]\nStateDirectory=private\n");
        REFUSED("foo.service", "[Service]\nStateDirectory=foo/../dpkg\n");
        REFUSED("foo.service", "[Service]\nStateDirectory=foo/sub\n");
        REFUSED("foo.service", "[Service]\nStateDirectory=/var/lib/foo\n");
        REFUSED("foo.service", "[Service]\nStateDirectory=foo:bar\n");
        REFUSED("foo.service", "[Service]\nConfigurationDirectory=foo\n");
        /* PID 1 reads PID files on the host and removes them. */
        REFUSED("foo.service", "[Service]\nPIDFile=/run/systemd/x.pid\n");
        /* A file directly in /run is claimed like a directory: the host has none of that name. */
        OK("foo.service", "[Service]\nPIDFile=/run/foo.pid\n");
        REFUSED("foo.service", "[Service]\nPIDFile=/var/run/hostdir/x.pid\n");
        REFUSED("foo.service", "[Service]\nPIDFile=/etc/foo.pid\n");
        REFUSED("foo.service", "[Service]\nPIDFile=/run/foo/../hostdir/x.pid\n");
        REFUSED("foo.service", "[Service]\nPIDFile=/run/%H/x.pid\n");
}

TEST(sockets) {
        OK("foo.socket", "[Socket]\nListenStream=/run/foo/sock\nListenDatagram=127.0.0.1:5353\nListenStream=[::]:8080\n"
           "SocketMode=0666\nAccept=yes\n");
        CHECK(rules("foo.socket", "[Socket]\nListenStream=127.0.0.1:2222\n", false, NULL) > 0);
        CHECK(rules("foo.socket", "[Socket]\nListenStream=2222\n", false, NULL) > 0);
        CHECK_INT(rules("foo.socket", "[Socket]\nListenStream=/run/foo/s\n", false, NULL), 0);
        REFUSED("foo.socket", "[Socket]\nListenStream=/etc/evil.sock\n");
        REFUSED("foo.socket", "[Socket]\nListenStream=/run/systemd/journal/socket\n");
        REFUSED("foo.socket", "[Socket]\nListenStream=/run/hostdir\n");
        REFUSED("foo.socket", "[Socket]\nListenStream=@/org/host\n");
        REFUSED("foo.socket", "[Socket]\nListenStream=vsock:2:1234\n");
        REFUSED("foo.socket", "[Socket]\nListenNetlink=kobject-uevent 1\n");
        REFUSED("foo.socket", "[Socket]\nListenFIFO=/run/foo/fifo\n");
        REFUSED("foo.socket", "[Socket]\nListenStream=/run/foo/s\nSymlinks=/etc/x\n");
        REFUSED("foo.socket", "[Socket]\nListenStream=80\nReusePort=yes\n");
}

TEST(path_units) {
        OK("foo.path", "[Path]\nPathExists=/run/foo/ready\nDirectoryNotEmpty=/var/lib/foo/spool\nMakeDirectory=no\nUnit=foo.service\n");
        /* The service owns the directory: mkdir would follow its symlinks on the host. */
        REFUSED("foo.path", "[Path]\nPathExists=/run/foo/x/y\nMakeDirectory=yes\nUnit=foo.service\n");
        REFUSED("foo.path", "[Path]\nDirectoryNotEmpty=/etc/x\nMakeDirectory=yes\nDirectoryMode=0777\n");
        REFUSED("foo.path", "[Path]\nPathExists=/var/lib/foo2/x\n");
        REFUSED("foo.path", "[Path]\nPathChanged=/run/hostdir/x\n");
        REFUSED("foo.path", "[Path]\nPathExists=/run/foo/x\nUnit=systemd-poweroff.service\n");
        REFUSED("foo.timer", "[Timer]\nOnBootSec=1\nUnit=sshd.service\n");
}

TEST(triggers) {
        /* Without Service=/Unit=, the service of the same name: the image's, not the host's. */
        OK("foo-web.socket", "[Socket]\nListenStream=/run/foo/web\n");
        OK("foo.socket", "[Socket]\nListenStream=/run/foo/s\nAccept=yes\n");
        REFUSED("foo-other.socket", "[Socket]\nListenStream=/run/foo/o\n");
        REFUSED("foo-web.socket", "[Socket]\nListenStream=/run/foo/web\nAccept=yes\n");
        REFUSED("foo-other.timer", "[Timer]\nOnBootSec=1\n");
        OK("foo-other.timer", "[Timer]\nOnBootSec=1\nUnit=foo.service\n");
        REFUSED("foo-other.path", "[Path]\nPathExists=/run/foo/x\n");
        /* What systemd ignores leaves the service of the unit's name: a unit triggering itself, a
         * socket's Service= that is no service or a template, an Accept= that is no boolean. */
        REFUSED("foo-other.timer", "[Timer]\nOnBootSec=1\nUnit=foo-other.timer\n");
        REFUSED("foo-other.timer", "[Timer]\nOnBootSec=1\nUnit=%n\n");
        REFUSED("foo-other.socket", "[Socket]\nListenStream=/run/foo/o\nService=foo.target\n");
        REFUSED("foo-other.socket", "[Socket]\nListenStream=/run/foo/o\nService=foo@.service\n");
        OK("foo-other.socket", "[Socket]\nListenStream=/run/foo/o\nService=foo@x.service\n");
        REFUSED("foo-web.socket", "[Socket]\nListenStream=/run/foo/w\nAccept=yes\nAccept=\n");
        REFUSED("foo-web.socket", "[Socket]\nListenStream=/run/foo/w\nAccept=yes\nAccept=maybe\n");
        OK("foo-web.socket", "[Socket]\nListenStream=/run/foo/w\nAccept=yes\nAccept=no\n");
}

TEST(host_side) {
        /* Only files directly in a directory of the image: the service could plant symlinks below. */
        OK("foo.service", "[Service]\nRuntimeDirectory=foo\nPIDFile=/run/foo/x.pid\n");
        REFUSED("foo.service", "[Service]\nPIDFile=/run/foo/x/passwd\n");
        REFUSED("foo.socket", "[Socket]\nListenStream=/run/foo/x/shadow\nService=foo.service\n");
        /* A template's instance may name the file, not the directory. */
        OK("foo@.service", "[Service]\nPIDFile=/run/foo/%i.pid\n");
        REFUSED("foo@.service", "[Service]\nPIDFile=/run/foo-%i/x.pid\n");
        REFUSED("foo@.service", "[Service]\nPIDFile=/run/foo/%I.pid\n");
        REFUSED("foo.socket", "[Socket]\nListenStream=/run/foo/s\nService=foo.service\nSocketUser=foo\n");
        REFUSED("foo.service", "[Service]\nBusName=org.freedesktop.DBus\n");
        REFUSED("foo.service", "[Service]\nLogExtraFields=PORTABLE=other.raw\n");
        OK("foo.service", "[Service]\nLogExtraFields=APP=foo\nLimitMEMLOCK=512K\n");
        OK("foo.service", "[Service]\nLimitMEMLOCK=0\nLimitMEMLOCK=8M:8M\nLimitMEMLOCK=8388608\n");
        REFUSED("foo.service", "[Service]\nLimitMEMLOCK=9M\n");
        REFUSED("foo.service", "[Service]\nLimitMEMLOCK=1M:infinity\n");
        REFUSED("foo.service", "[Service]\nLimitMEMLOCK=infinity\n");
        /* A parent of a bound host file may be writable: the bind mount stays read-only. */
        OK("foo.service", "[Service]\nReadWritePaths=/run /etc\n");
        REFUSED("foo.service", "[Service]\nReadWritePaths=/run/host/os-release\n");
        /* The test profile has no PrivateDevices=yes. */
        REFUSED("foo.service", "[Service]\nDeviceAllow=/dev/net/tun rw\n");
}

TEST(every_violation) {
        char *first = NULL;

        CHECK_INT(rules("foo.service", "[Service]\nUser=root\nExecStartPre=+/bin/sh\nBindPaths=/etc\n", true, &first), 3);
        CHECK_STR(first, "/usr/lib/systemd/system/unit:2: User=root: runs as root");
        free(first);
}

TEST(prefix_dropin_names) {
        CHECK(unit_name_is_prefix_dropin("foo-.service"));
        CHECK(unit_name_is_prefix_dropin("foo-@.service"));
        CHECK(unit_name_is_prefix_dropin("a-b-.socket"));
        CHECK(!unit_name_is_prefix_dropin("foo.service"));
        CHECK(!unit_name_is_prefix_dropin("foo-bar.service"));
        CHECK(!unit_name_is_prefix_dropin("foo@-.service"));
}

TEST(table) {
        /* Every row is reachable, once. */
        for (size_t i = 0; i < n_unit_rules; i++) {
                const UnitRule *r = unit_rules + i;

                for (UnitType t = 0; t < _UNIT_TYPE_MAX; t++)
                        if (r->types & (1U << t))
                                CHECK(unit_rule_find(t, r->section, r->key) == r);
                CHECK(unit_rule_kind_to_string(r->kind) != NULL);
                CHECK(r->kind != RULE_REFUSED || r->why);
        }
}

int main(void) {
        RUN(extract_word);
        RUN(exec_prefixes);
        RUN(identities);
        RUN(dependencies);
        RUN(install);
        RUN(sections);
        RUN(values);
        RUN(paths);
        RUN(host_dirs);
        RUN(sockets);
        RUN(path_units);
        RUN(triggers);
        RUN(host_side);
        RUN(every_violation);
        RUN(prefix_dropin_names);
        RUN(table);
        return tests_finish();
}
