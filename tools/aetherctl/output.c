// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - tables for people, JSON for scripts
 *
 * A command builds sections: a table (columns with a JSON key and a header
 * that carries the unit, then rows of cells) or a key/value list.  Cells
 * are kept as text with a flag saying whether JSON may print them bare as
 * numbers.  out_flush() prints a section and frees it.  In JSON mode the
 * whole output is one object, each section under its name: a table is an
 * array of objects, a key/value list an object.  Notes go to stderr in
 * JSON mode so that stdout stays parseable.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aetherctl.h"

struct actl_cell {
	char *text;
	bool number;
};

struct actl_out {
	const char *name;
	const char *title;
	bool kv;
	unsigned int ncols;
	const char *keys[32];
	const char *headers[32];
	/* rows x ncols cells; for kv, one cell per row with its key/label */
	struct actl_cell *cells;
	const char **row_keys;
	const char **row_labels;
	unsigned int nrows, ncells, cap;
};

static bool out_json;
static bool out_first;
static bool out_open;

void out_begin(const struct actl_ctx *ctx)
{
	out_json = ctx->json;
	out_first = true;
	out_open = true;
	if (out_json)
		printf("{");
}

/* End the document; again is a no-op (a command may end it early). */
void out_end(void)
{
	if (out_json && out_open)
		printf("\n}\n");
	out_open = false;
	fflush(stdout);
}

static void *out_xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		actl_err("out of memory");
		exit(ACTL_EXIT_ERR);
	}
	return p;
}

static struct actl_out *out_new(const char *name, const char *title, bool kv)
{
	struct actl_out *t = out_xrealloc(NULL, sizeof(*t));

	memset(t, 0, sizeof(*t));
	t->name = name;
	t->title = title;
	t->kv = kv;
	return t;
}

struct actl_out *out_table(const char *name, const char *title)
{
	return out_new(name, title, false);
}

struct actl_out *out_kv(const char *name, const char *title)
{
	return out_new(name, title, true);
}

void out_col(struct actl_out *t, const char *key, const char *header)
{
	if (t->ncols < 32) {
		t->keys[t->ncols] = key;
		t->headers[t->ncols] = header;
		t->ncols++;
	}
}

void out_row(struct actl_out *t)
{
	t->nrows++;
}

void out_key(struct actl_out *t, const char *key, const char *label)
{
	t->nrows++;
	t->row_keys = out_xrealloc(t->row_keys,
				   t->nrows * sizeof(*t->row_keys));
	t->row_labels = out_xrealloc(t->row_labels,
				     t->nrows * sizeof(*t->row_labels));
	t->row_keys[t->nrows - 1] = key;
	t->row_labels[t->nrows - 1] = label;
}

static void out_cell(struct actl_out *t, char *text, bool number)
{
	if (t->ncells == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cells = out_xrealloc(t->cells, t->cap * sizeof(*t->cells));
	}
	t->cells[t->ncells].text = text;
	t->cells[t->ncells].number = number;
	t->ncells++;
}

static void out_cellf(struct actl_out *t, bool number, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void out_cellf(struct actl_out *t, bool number, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text) {
		actl_err("out of memory");
		exit(ACTL_EXIT_ERR);
	}
	out_cell(t, text, number);
}

void out_u64(struct actl_out *t, __u64 v)
{
	out_cellf(t, true, "%llu", (unsigned long long)v);
}

void out_s64(struct actl_out *t, __s64 v)
{
	out_cellf(t, true, "%lld", (long long)v);
}

/* A fixed-point value x1000, printed with three decimals. */
void out_x1000(struct actl_out *t, __s64 v)
{
	__u64 a = v < 0 ? -(__u64)v : (__u64)v;

	out_cellf(t, true, "%s%llu.%03llu", v < 0 ? "-" : "",
		  (unsigned long long)(a / 1000),
		  (unsigned long long)(a % 1000));
}

void out_pct(struct actl_out *t, __u64 part, __u64 whole)
{
	out_x1000(t, whole ? (__s64)(part * 100000 / whole) : 0);
}

void out_hex(struct actl_out *t, __u64 v)
{
	out_cellf(t, false, "0x%llx", (unsigned long long)v);
}

void out_str(struct actl_out *t, const char *s)
{
	out_cellf(t, false, "%s", s);
}

static void out_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void out_json_cell(const struct actl_cell *c)
{
	if (c->number)
		fputs(c->text, stdout);
	else
		out_json_string(c->text);
}

static void out_flush_json(struct actl_out *t)
{
	unsigned int r, c;

	printf("%s\n  ", out_first ? "" : ",");
	out_first = false;
	out_json_string(t->name);
	if (t->kv) {
		printf(": {");
		for (r = 0; r < t->nrows && r < t->ncells; r++) {
			printf("%s\n    ", r ? "," : "");
			out_json_string(t->row_keys[r]);
			printf(": ");
			out_json_cell(&t->cells[r]);
		}
		printf("\n  }");
		return;
	}
	printf(": [");
	for (r = 0; r < t->nrows; r++) {
		printf("%s\n    {", r ? "," : "");
		for (c = 0; c < t->ncols; c++) {
			unsigned int i = r * t->ncols + c;

			if (i >= t->ncells)
				break;
			printf("%s", c ? ", " : "");
			out_json_string(t->keys[c]);
			printf(": ");
			out_json_cell(&t->cells[i]);
		}
		printf("}");
	}
	printf("%s]", t->nrows ? "\n  " : "");
}

static void out_flush_human(struct actl_out *t)
{
	unsigned int r, c, width[32] = { 0 }, lw = 0;

	if (!out_first)
		putchar('\n');
	out_first = false;
	if (t->title)
		printf("%s\n", t->title);
	if (t->kv) {
		for (r = 0; r < t->nrows; r++)
			if (strlen(t->row_labels[r]) > lw)
				lw = strlen(t->row_labels[r]);
		for (r = 0; r < t->nrows && r < t->ncells; r++)
			printf("  %-*s  %s\n", lw, t->row_labels[r],
			       t->cells[r].text);
		return;
	}
	for (c = 0; c < t->ncols; c++)
		width[c] = strlen(t->headers[c]);
	for (r = 0; r < t->ncells; r++) {
		c = r % t->ncols;
		if (strlen(t->cells[r].text) > width[c])
			width[c] = strlen(t->cells[r].text);
	}
	for (c = 0; c < t->ncols; c++)
		printf("%s%*s", c ? "  " : "  ", width[c], t->headers[c]);
	putchar('\n');
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			unsigned int i = r * t->ncols + c;

			if (i >= t->ncells)
				break;
			printf("  %*s", width[c], t->cells[i].text);
		}
		putchar('\n');
	}
	if (!t->nrows)
		printf("  (none)\n");
}

void out_flush(struct actl_out *t)
{
	unsigned int i;

	if (out_json)
		out_flush_json(t);
	else
		out_flush_human(t);
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t->row_keys);
	free(t->row_labels);
	free(t);
	fflush(stdout);
}

/* A line for people: stdout for tables, stderr beside JSON. */
void out_note(const char *fmt, ...)
{
	FILE *f = out_json ? stderr : stdout;
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}
