// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - /dev/aether_dedupe: the engine's commands, and trust domains
 *
 * DOC: Overview
 *
 * The ioctls of include/uapi/linux/aether_dedupe.h.  STATUS is anyone's
 * who holds the device (mode 0600; the box gives it to the group aether,
 * 0660, as a udev rule would); SET and SET_DOMAIN need CAP_SYS_ADMIN
 * (-EPERM), as KSM's sysfs files are root's; REGION_STATS answers for a
 * region of the caller's own (the uid that created it), any region for
 * CAP_SYS_ADMIN (-EACCES); it waits for the engine interruptibly (a
 * REGION_DEDUPE lets it in between its chunks; -EINTR on a signal).
 * SET_DOMAIN refuses a region the engine does not merge (-EINVAL: not
 * MERGEABLE, or SECURE).
 * Each copies its struct in with aem_copy_in() (the struct's @size says
 * which version the caller speaks; the size bits of the command number
 * are ignored), refuses a non-zero reserved field (-EINVAL), and copies
 * the struct back with every byte it did not fill zeroed.  An unknown
 * command is -ENOTTY.  A region is named by an fd of it;
 * aem_share_region_fdget() gives a reference held until the command
 * returns, so a close or an exit meanwhile cannot free it under us.
 *
 * Trust domains.  Pages merge only inside one: by default the uid that
 * created the region (id 0 to the core), or a named domain an
 * administrator put the region into.  A name maps to an id the core
 * keeps in the region (aem_share_region_set_domain()); the engine and
 * the core compare ids, never names.  The table of names:
 *
 *   - ids are handed out in increasing order and never reused while the
 *     module is loaded, so a region keeps whatever id it was given and
 *     no later name can alias it.  At load, the ids regions still carry
 *     from an earlier load of the module (the core keeps them) are
 *     entered under the name "#<id>", which no administrator can type
 *     ('#' is not a name character), and new ids start above them;
 *   - at most ADP_DOMAINS_MAX names at once (-ENOSPC beyond): when the
 *     table is full, names no region uses any more are dropped first.
 *     "Uses" is read from the regions themselves (a walk of the
 *     mergeable regions); a name being given to a region meanwhile is
 *     kept by its @busy count and @stamp (see adp_domains_prune()).
 *
 * Lock order (internal.h): adp_domains_lock (4) is taken with no
 * aether_mm call in progress under it: a region walk or
 * aem_share_region_set_domain() runs with it dropped.
 */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <aether/ioctl.h>

#include "internal.h"

#define ADP_DOMAINS_MAX		1024	/* named domains at once */

/**
 * struct adp_domain - a named trust domain
 * @id:		its id, the key in adp_domains; 1..U32_MAX
 * @busy:	SET_DOMAINs giving it to a region right now
 * @stamp:	adp_domain_clock when one began or ended
 * @name:	NUL-terminated, [A-Za-z0-9_.-]; "#<id>" for an id found in a
 *		region at load
 */
struct adp_domain {
	u32 id;
	unsigned int busy;
	u64 stamp;
	char name[AETHER_DEDUPE_DOMAIN_MAX];
};

static DEFINE_MUTEX(adp_domains_lock);
static DEFINE_XARRAY(adp_domains);	/* id -> struct adp_domain */
static unsigned int adp_nr_domains;	/* entries of adp_domains */
static u32 adp_domain_next;		/* next id; 0: all used */
static u64 adp_domain_clock;		/* stamps, see adp_domains_prune() */

/* ---- names and ids -------------------------------------------------- */

/*
 * adp_domain_valid - is @name, NUL-terminated within
 * AETHER_DEDUPE_DOMAIN_MAX bytes, a name an administrator may give?
 * Return: its length (0: the creator's domain), or -EINVAL.
 */
static int adp_domain_valid(const char *name)
{
	size_t len = strnlen(name, AETHER_DEDUPE_DOMAIN_MAX);
	size_t i;

	if (len == AETHER_DEDUPE_DOMAIN_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return -EINVAL;
	return len;
}

static struct adp_domain *adp_domain_find(const char *name)
{
	struct adp_domain *d;
	unsigned long id;

	lockdep_assert_held(&adp_domains_lock);
	xa_for_each(&adp_domains, id, d)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* Enter @name as a new domain, id adp_domain_next. */
static struct adp_domain *adp_domain_add(const char *name)
{
	struct adp_domain *d;
	int err;

	lockdep_assert_held(&adp_domains_lock);
	if (adp_nr_domains >= ADP_DOMAINS_MAX || !adp_domain_next)
		return ERR_PTR(-ENOSPC);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	d->id = adp_domain_next;
	strscpy(d->name, name, sizeof(d->name));
	err = xa_insert(&adp_domains, d->id, d, GFP_KERNEL);
	if (err) {
		kfree(d);
		return ERR_PTR(err);
	}
	adp_domain_next++;	/* 0 after U32_MAX: no id is ever reused */
	adp_nr_domains++;
	return d;
}

/*
 * adp_domains_used - the ids the mergeable regions carry now, into @used
 * (an xarray the caller made).  Return: 0, or -ENOMEM with @used partial.
 */
static int adp_domains_used(struct xarray *used)
{
	struct aem_region *r;
	u32 id;
	int err;

	for (r = aem_share_region_next(NULL); r; r = aem_share_region_next(r)) {
		id = aem_share_region_domain_id(r);
		if (!id)
			continue;
		err = xa_err(xa_store(used, id, xa_mk_value(1), GFP_KERNEL));
		if (err) {
			aem_share_region_put(r);
			return err;
		}
	}
	return 0;
}

/*
 * adp_domains_prune - drop the names no region uses; for a full table.
 *
 * The walk of the regions runs without adp_domains_lock, so a name may be
 * given to a region behind it.  Every SET_DOMAIN stamps its name when it
 * starts and when it ends, from a clock the prune reads first: a name
 * that was not stamped since, is not being given now (@busy) and was not
 * seen in a region was in no region during the whole walk, and can reach
 * one only through a SET_DOMAIN, which would look it up again.
 */
static void adp_domains_prune(void)
{
	struct adp_domain *d;
	struct xarray used;
	unsigned long id;
	u64 start;

	mutex_lock(&adp_domains_lock);
	start = ++adp_domain_clock;
	mutex_unlock(&adp_domains_lock);

	xa_init(&used);
	if (!adp_domains_used(&used)) {
		mutex_lock(&adp_domains_lock);
		xa_for_each(&adp_domains, id, d) {
			if (d->busy || d->stamp >= start || xa_load(&used, id))
				continue;
			xa_erase(&adp_domains, id);
			adp_nr_domains--;
			kfree(d);
		}
		mutex_unlock(&adp_domains_lock);
	}
	xa_destroy(&used);
}

/*
 * adp_domain_hold - the domain called @name, entered if new, marked busy
 * for a SET_DOMAIN.  Return: it, or ERR_PTR(-ENOSPC or -ENOMEM).
 */
static struct adp_domain *adp_domain_hold(const char *name)
{
	struct adp_domain *d;
	bool pruned = false;

	for (;;) {
		mutex_lock(&adp_domains_lock);
		d = adp_domain_find(name);
		if (!d)
			d = adp_domain_add(name);
		if (!IS_ERR(d)) {
			d->busy++;
			d->stamp = ++adp_domain_clock;
		}
		mutex_unlock(&adp_domains_lock);
		if (PTR_ERR_OR_ZERO(d) != -ENOSPC || pruned)
			return d;
		adp_domains_prune();
		pruned = true;
	}
}

static void adp_domain_unhold(struct adp_domain *d)
{
	mutex_lock(&adp_domains_lock);
	d->busy--;
	d->stamp = ++adp_domain_clock;
	mutex_unlock(&adp_domains_lock);
}

/**
 * adp_domain_name() - the name of trust domain @id
 * @id:		an id of aem_share_region_domain_id(); 0 is the creator's
 * @buf:	receives the name, NUL-terminated ("" for 0)
 * @len:	room in @buf
 *
 * Context: process context, may sleep (adp_domains_lock).
 * Return: the length of the name, or -ENOENT (an id this module did not
 * give: @buf is "#<id>").
 */
int adp_domain_name(u32 id, char *buf, size_t len)
{
	struct adp_domain *d;
	ssize_t ret = 0;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	if (!id)
		return 0;
	mutex_lock(&adp_domains_lock);
	d = xa_load(&adp_domains, id);
	if (d)
		ret = strscpy(buf, d->name, len);
	mutex_unlock(&adp_domains_lock);
	if (!d) {
		snprintf(buf, len, "#%u", id);
		return -ENOENT;
	}
	return ret < 0 ? len - 1 : ret;
}

/* ---- the commands --------------------------------------------------- */

static long adp_ioc_status(void __user *uarg)
{
	struct aether_dedupe_status st;
	int ret;

	ret = aem_copy_in(&st, sizeof(st), uarg);
	if (ret)
		return ret;
	if (st.__reserved0)
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	adp_knobs_get(&st.knobs);
	adp_engine_counters(&st.counters);
	return aem_copy_out(uarg, &st, sizeof(st));
}

static long adp_ioc_set(void __user *uarg)
{
	struct aether_dedupe_set s;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&s, sizeof(s), uarg);
	if (ret)
		return ret;
	if (s.knobs.__reserved)
		return -EINVAL;
	return adp_knobs_set(&s.knobs, s.mask);
}

/*
 * Is @r a region the engine merges (created MERGEABLE, not SECURE)?  A
 * domain is a rule for merging: on any other region it would be a name
 * with no effect that the administrator believed in.  aem_share_scan()
 * tells: -EPERM for a region not mergeable before it looks at the range
 * (an empty one here, so nothing is visited); the flags are fixed at
 * creation, so the answer holds for the region's life.
 */
static bool adp_region_mergeable(struct aem_region *r)
{
	return aem_share_scan(r, 0, 0, NULL, NULL) != -EPERM;
}

/* Put @r into the domain called @name ("": its creator's). */
static int adp_domain_set(struct aem_region *r, const char *name)
{
	struct adp_domain *d;
	int ret;

	if (!*name)
		return aem_share_region_set_domain(r, 0);
	d = adp_domain_hold(name);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ret = aem_share_region_set_domain(r, d->id);
	adp_domain_unhold(d);
	return ret;
}

static long adp_ioc_set_domain(void __user *uarg)
{
	struct aether_dedupe_domain a;
	struct aem_region *r;
	bool writable;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	ret = adp_domain_valid(a.name);
	if (ret < 0)
		return ret;
	r = aem_share_region_fdget(a.region_fd, &writable);
	if (IS_ERR(r))
		return PTR_ERR(r);
	ret = writable ? aem_share_region_may_access(r, AEM_ACCESS_DEDUPE) :
			 -EBADF;
	if (!ret)
		ret = adp_region_mergeable(r) ? adp_domain_set(r, a.name) :
						-EINVAL;
	aem_share_region_put(r);
	return ret;
}

static long adp_ioc_region_stats(void __user *uarg)
{
	struct aether_dedupe_region_stats st;
	struct aem_region *r;
	bool writable;
	int fd, ret;

	ret = aem_copy_in(&st, sizeof(st), uarg);
	if (ret)
		return ret;
	fd = st.region_fd;
	r = aem_share_region_fdget(fd, &writable);
	if (IS_ERR(r))
		return PTR_ERR(r);
	if (!uid_eq(aem_share_region_uid(r), current_fsuid()) &&
	    !capable(CAP_SYS_ADMIN)) {
		aem_share_region_put(r);
		return -EACCES;
	}
	ret = aem_share_region_may_access(r, AEM_ACCESS_DEDUPE);
	if (ret) {
		aem_share_region_put(r);
		return ret;
	}
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.region_fd = fd;
	ret = adp_engine_region_stats(r, &st);
	if (!ret)
		adp_domain_name(aem_share_region_domain_id(r), st.domain,
				sizeof(st.domain));
	aem_share_region_put(r);
	return ret ? ret : aem_copy_out(uarg, &st, sizeof(st));
}

static long adp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (AEM_IOC_BASE(cmd)) {
	case AEM_IOC_BASE(AETHER_DEDUPE_IOC_STATUS):
		return adp_ioc_status(uarg);
	case AEM_IOC_BASE(AETHER_DEDUPE_IOC_SET):
		return adp_ioc_set(uarg);
	case AEM_IOC_BASE(AETHER_DEDUPE_IOC_SET_DOMAIN):
		return adp_ioc_set_domain(uarg);
	case AEM_IOC_BASE(AETHER_DEDUPE_IOC_REGION_STATS):
		return adp_ioc_region_stats(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations adp_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= adp_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice adp_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "aether_dedupe",
	.fops	= &adp_fops,
	.mode	= 0600,
};

/* ---- load and unload ------------------------------------------------ */

/*
 * adp_domains_adopt - the ids regions carry from an earlier load, under
 * "#<id>", and the first new id above them.  Return: 0 or -ENOMEM.
 */
static int adp_domains_adopt(void)
{
	char name[AETHER_DEDUPE_DOMAIN_MAX];
	struct adp_domain *d;
	struct xarray used;
	unsigned long id, max = 0;
	void *entry;
	int err;

	xa_init(&used);
	err = adp_domains_used(&used);
	mutex_lock(&adp_domains_lock);
	xa_for_each(&used, id, entry) {
		if (err)
			break;
		adp_domain_next = id;
		snprintf(name, sizeof(name), "#%lu", id);
		d = adp_domain_add(name);
		err = PTR_ERR_OR_ZERO(d);
	}
	/* Beyond the table's room, the rest only keep their ids unused. */
	if (err == -ENOSPC)
		err = 0;
	xa_for_each(&used, id, entry)
		max = id;
	adp_domain_next = max + 1;	/* 0 after U32_MAX: all used */
	mutex_unlock(&adp_domains_lock);
	xa_destroy(&used);
	return err;
}

static void adp_domains_free(void)
{
	struct adp_domain *d;
	unsigned long id;

	xa_for_each(&adp_domains, id, d)
		kfree(d);
	xa_destroy(&adp_domains);
	adp_nr_domains = 0;
}

/**
 * adp_dev_init() - the domain table, then /dev/aether_dedupe
 *
 * Return: 0, or -ENOMEM, or the error of misc_register().
 */
int adp_dev_init(void)
{
	int err;

	err = adp_domains_adopt();
	if (err)
		goto out_domains;
	err = misc_register(&adp_misc);
	if (err)
		goto out_domains;
	return 0;

out_domains:
	adp_domains_free();
	return err;
}

/**
 * adp_dev_exit() - remove the device (no file is open: each pins the
 * module), then the names; the regions keep their ids (see above)
 */
void adp_dev_exit(void)
{
	misc_deregister(&adp_misc);
	adp_domains_free();
}
