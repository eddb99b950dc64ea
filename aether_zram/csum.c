// SPDX-License-Identifier: GPL-2.0
/*
 * csum.c - checksums of stored pages, and corruption on purpose
 *
 * DOC: Overview
 *
 * A store keeps a page as a compressed object in pool memory, possibly
 * for hours; a stray write into the pool, a bit flip in a DIMM without
 * ECC, or a bug of ours in compaction would come back as a page whose
 * object still decompresses, to wrong bytes.  A checksum taken over the
 * uncompressed page when it is stored and checked when it is loaded
 * turns that into an I/O error: never silently wrong data.
 *
 * Opt-in.  A device chooses its checksum with the sysfs file "checksum"
 * before disksize (dev.c keeps one value per slot, in an array of u32 or
 * u64 allocated at disksize, and nothing when it is "none"); the region
 * store with its module parameter store_checksum (store.c keeps the
 * value in its entry).  The kinds:
 *
 *	none	the default: nothing stored, nothing checked
 *	crc32c	32 bits: the Castagnoli CRC, lib/crc32.c's built-in
 *		__crc32c_le() (aether_crc32c(), compat/aether_compat.h), so
 *		that aether_zram needs no libcrc32c and no crypto module
 *	xxh64	64 bits: lib/xxhash.c's xxh64(), seed 0; faster than a
 *		table CRC on x86 without the crc32 instruction in use
 *
 * Every kind of entry is covered, same-filled pages too: the checksum is
 * of the page, not of the object, so that a corrupt same-filled value or
 * a block of the backing device that came back wrong is caught as well.
 *
 * Corruption on purpose.  A test must prove that a corrupt object is
 * caught, and a byte flipped in a compressed object usually fails to
 * decompress, which the store reported as -EIO long before checksums.
 * azr_corrupt_entry() makes the harder case, the one only a checksum
 * catches: it loads the entry, flips one byte of the page, and stores
 * the result in its place.  The object is valid and decodes, to a page
 * one byte off; the checksum, taken before, no longer matches.  The
 * debugfs files that call it (debugfs.c for a device's slot, store.c for
 * the region store) are root's.
 *
 * Locking: none here.  The callers hold what keeps the entry theirs (a
 * device's slot lock; an entry of the region store not yet published).
 */
#include <linux/highmem.h>
#include <linux/string.h>
#include <linux/xxhash.h>

#include "internal.h"

static const char *const azr_csum_names[AZR_NR_CSUMS] = {
	[AZR_CSUM_NONE]		= "none",
	[AZR_CSUM_CRC32C]	= "crc32c",
	[AZR_CSUM_XXH64]	= "xxh64",
};

/**
 * azr_csum_parse() - the checksum kind of a name
 * @name:	"none", "crc32c" or "xxh64", without a newline
 *
 * Return: enum azr_csum, or -EINVAL.
 */
int azr_csum_parse(const char *name)
{
	int ret = match_string(azr_csum_names, AZR_NR_CSUMS, name);

	return ret < 0 ? -EINVAL : ret;
}

/**
 * azr_csum_name() - the name of a checksum kind
 * @type:	enum azr_csum
 *
 * Return: its name, "?" for a value out of range.
 */
const char *azr_csum_name(unsigned int type)
{
	return type < AZR_NR_CSUMS ? azr_csum_names[type] : "?";
}

/**
 * azr_csum_size() - bytes a checksum of @type takes
 * @type:	enum azr_csum
 *
 * Return: 0 for none, 4 for crc32c, 8 for xxh64.
 */
size_t azr_csum_size(unsigned int type)
{
	switch (type) {
	case AZR_CSUM_CRC32C:
		return sizeof(u32);
	case AZR_CSUM_XXH64:
		return sizeof(u64);
	default:
		return 0;
	}
}

/* The checksum of @len bytes at @p. */
static u64 azr_csum_buf(unsigned int type, const void *p, size_t len)
{
	switch (type) {
	case AZR_CSUM_CRC32C:
		return ~aether_crc32c(~0U, p, len);
	case AZR_CSUM_XXH64:
		return xxh64(p, len, 0);
	default:
		return 0;
	}
}

/**
 * azr_csum_page() - the checksum of a page's bytes
 * @type:	enum azr_csum; AZR_CSUM_NONE gives 0
 * @page:	the page, whose bytes do not change during the call
 *
 * Context: any; never sleeps.
 *
 * Return: the checksum, a crc32c in the low 32 bits.
 */
u64 azr_csum_page(unsigned int type, struct page *page)
{
	void *p;
	u64 sum;

	if (type == AZR_CSUM_NONE)
		return 0;
	p = kmap_local_page(page);
	sum = azr_csum_buf(type, p, PAGE_SIZE);
	kunmap_local(p);
	return sum;
}

/**
 * azr_corrupt_entry() - replace a stored page by itself with a byte flipped
 * @st:		the store of @e
 * @e:		the entry, its caller's alone for the call; replaced
 * @bounce:	a page for the bytes
 * @gfp:	as azr_store_page()
 * @aflags:	as azr_store_page()
 *
 * The new entry is a valid object that decodes to the old page with its
 * byte at offset PAGE_SIZE / 2 inverted: what only a checksum notices.
 * The counters of @st follow the new entry (its kind and size).
 *
 * Context: may sleep (the stream's mutex), as azr_store_page().
 *
 * Return: 0; or the error of the load or the store, @e untouched then.
 */
int azr_corrupt_entry(struct azr_store *st, struct azr_entry *e,
		      struct page *bounce, gfp_t gfp, unsigned int aflags)
{
	struct azr_entry new;
	u8 *p;
	int err;

	err = azr_load_page(st, e, bounce);
	if (err)
		return err;
	p = kmap_local_page(bounce);
	p[PAGE_SIZE / 2] ^= 0xff;
	kunmap_local(p);
	err = azr_store_page(st, bounce, &new, gfp, aflags);
	if (err)
		return err;
	azr_free_entry(st, e);
	*e = new;
	return 0;
}

/**
 * azr_csum_selftest() - the checksums against their published values
 *
 * Return: 0, or -EINVAL when one is wrong.
 */
int azr_csum_selftest(void)
{
	static const char check[] = "123456789";

	/* The standard check values (RFC 3720 B.4; xxHash's test vectors). */
	if (azr_csum_buf(AZR_CSUM_CRC32C, check, 9) != 0xe3069283 ||
	    azr_csum_buf(AZR_CSUM_XXH64, "", 0) != 0xef46db3751d8e999ULL ||
	    azr_csum_parse("xxh64") != AZR_CSUM_XXH64 ||
	    azr_csum_parse("crc32") != -EINVAL) {
		pr_err("selftest: checksums failed\n");
		return -EINVAL;
	}
	pr_info("checksum self-test passed\n");
	return 0;
}
