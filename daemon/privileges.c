/* privileges: dropping root for good; see privileges.h. */
#include "privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char privileges_error[256];

static int privileges_fail(const char **error_r, const char *fmt,
			   const char *what)
{
	snprintf(privileges_error, sizeof(privileges_error), fmt, what,
		 strerror(errno));
	*error_r = privileges_error;
	return -1;
}

static int privileges_become(const struct passwd *pw, const char *group,
			     const char **error_r)
{
	gid_t gid = pw->pw_gid;

	if (group[0] != '\0') {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			errno = ENOENT;
			return privileges_fail(error_r, "unknown group %s: %s",
					       group);
		}
		gid = gr->gr_gid;
	}
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(pw->pw_uid) < 0)
		return privileges_fail(error_r, "cannot become user %s: %s",
				       pw->pw_name);
	return 0;
}

int privileges_drop(const char *user, const char *group, const char **error_r)
{
	if (geteuid() == 0) {
		struct passwd *pw;
		if (user[0] == '\0') {
			*error_r = "refusing to run as root: set daemon.user";
			return -1;
		}
		pw = getpwnam(user);
		if (pw == NULL) {
			errno = ENOENT;
			return privileges_fail(error_r, "unknown user %s: %s",
					       user);
		}
		if (privileges_become(pw, group, error_r) < 0)
			return -1;
	}
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0) {
		*error_r = "refusing to serve as root (daemon.user is root?)";
		return -1;
	}
	return 0;
}
