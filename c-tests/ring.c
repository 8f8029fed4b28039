/*
 * lws_ring and lws_buflist: every function, with the edge cases programs
 * meet (a full ring and the element that is always kept free, 1-byte
 * elements, several consumer tails, destroy_element order, consume with
 * NULL dest, wrap-around, the byte-wise insert range; buflist's first
 * segment, partial use, used-up segments, linear copies at offsets, the
 * 1024-segment limit, LWS_PRE headroom). Log lines go to stdout with
 * pointers masked, so the output is the same on Debian's library and on
 * ours.
 */
#include <libwebsockets.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct lws_ring *cur; /* the ring destroy_int reports on */

static void
emit(int level, const char *line)
{
	const char *p = line;

	printf("log %d: ", level);
	while (*p) {
		if (p[0] == '0' && p[1] == 'x') {
			p += 2;
			while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))
				p++;
			fputs("PTR", stdout);
			continue;
		}
		putchar(*p++);
	}
}

static void
destroy_int(void *element)
{
	int v;

	memcpy(&v, element, sizeof(v));
	/* the ring is still consistent while it retires an element */
	printf("  destroy %d (oldest %u, waiting %d)\n", v,
	       (unsigned int)lws_ring_get_oldest_tail(cur),
	       (int)lws_ring_get_count_waiting_elements(cur, NULL));
}

/* Counts, the oldest tail, and the next element for tail: an int, or the
 * first byte of elements of another size. */
static void
state(const char *label, struct lws_ring *r, size_t esize, uint32_t *tail)
{
	const void *e = lws_ring_get_element(r, tail);
	int v = 0;

	if (e && esize == sizeof(v))
		memcpy(&v, e, sizeof(v));
	else if (e)
		v = *(const uint8_t *)e;
	printf("%s: free %d waiting %d oldest %u next %s%d\n", label,
	       (int)lws_ring_get_count_free_elements(r),
	       (int)lws_ring_get_count_waiting_elements(r, tail),
	       (unsigned int)lws_ring_get_oldest_tail(r),
	       e ? "" : "none ", e ? v : 0);
}

static void
print_ints(const char *label, const int *v, size_t n)
{
	size_t i;

	printf("%s:", label);
	for (i = 0; i < n; i++)
		printf(" %d", v[i]);
	printf("\n");
}

/* One consumer, the ring's own tail (NULL), with destroy_element. */
static void
single_tail(void)
{
	int in[12], out[12], i;
	size_t n;

	printf("== single tail\n");
	for (i = 0; i < 12; i++)
		in[i] = 100 + i;
	cur = lws_ring_create(sizeof(int), 8, destroy_int);
	state("new", cur, sizeof(int), NULL);
	lws_ring_dump(cur, NULL);

	n = lws_ring_insert(cur, in, 3);
	printf("insert 3: %d\n", (int)n);
	state("after insert", cur, sizeof(int), NULL);

	/* use in place, then consume without a copy: retired at once */
	n = lws_ring_consume(cur, NULL, NULL, 1);
	printf("consume NULL dest: %d\n", (int)n);
	state("after", cur, sizeof(int), NULL);

	memset(out, 0, sizeof(out));
	n = lws_ring_consume(cur, NULL, out, 10);
	printf("consume 10: %d\n", (int)n);
	print_ints("out", out, n);
	state("empty", cur, sizeof(int), NULL);
	n = lws_ring_consume(cur, NULL, out, 10);
	printf("consume empty: %d\n", (int)n);

	/* fill: one element always stays free */
	n = lws_ring_insert(cur, in, 12);
	printf("insert 12: %d\n", (int)n);
	state("full", cur, sizeof(int), NULL);
	printf("insert when full: %d\n", (int)lws_ring_insert(cur, in, 1));
	{
		void *start = NULL;
		size_t bytes = 99;

		printf("linear range when full: %d\n",
		       lws_ring_next_linear_insert_range(cur, &start, &bytes));
	}
	lws_ring_dump(cur, NULL);

	/* consume 5, insert 4: the head wraps */
	n = lws_ring_consume(cur, NULL, out, 5);
	print_ints("consume 5", out, n);
	n = lws_ring_insert(cur, in + 7, 4);
	printf("insert 4 (wraps): %d\n", (int)n);
	state("wrapped", cur, sizeof(int), NULL);
	lws_ring_dump(cur, NULL);
	/* consume across the end of the buffer */
	n = lws_ring_consume(cur, NULL, out, 12);
	print_ints("consume all", out, n);
	state("after wrap", cur, sizeof(int), NULL);
	printf("insert 0: %d\n", (int)lws_ring_insert(cur, in, 0));

	n = lws_ring_insert(cur, in, 4);
	printf("insert 4 then destroy: %d\n", (int)n);
	lws_ring_destroy(cur);
	cur = NULL;
}

struct consumer {
	struct consumer *next;
	const char *name;
	uint32_t tail;
};

/* Three consumers with their own tails; the oldest retires elements. */
static void
many_tails(void)
{
	struct consumer a = { NULL, "a", 0 }, b = { NULL, "b", 0 },
			c = { NULL, "c", 0 }, *list = NULL, *pa = &a, *pb = &b,
			*pc = &c;
	int in[8], out[8], i;
	size_t n;

	printf("== many tails\n");
	for (i = 0; i < 8; i++)
		in[i] = 200 + i;
	cur = lws_ring_create(sizeof(int), 6, destroy_int);
	n = lws_ring_insert(cur, in, 2);
	printf("insert 2: %d\n", (int)n);
	/* a new consumer starts at the oldest element still there */
	a.tail = b.tail = c.tail = lws_ring_get_oldest_tail(cur);
	lws_ll_fwd_insert(pa, next, list);
	lws_ll_fwd_insert(pb, next, list);
	lws_ll_fwd_insert(pc, next, list);
	lws_start_foreach_ll(struct consumer *, it, list) {
		printf("consumer %s tail %u\n", it->name, (unsigned int)it->tail);
	} lws_end_foreach_ll(it, next);

	n = lws_ring_insert(cur, in + 2, 6);
	printf("insert 6: %d\n", (int)n);
	state("ring", cur, sizeof(int), NULL);

	/* a reads 3 with a copy: nothing is retired (tails are explicit) */
	n = lws_ring_consume(cur, &a.tail, out, 3);
	print_ints("a consumed", out, n);
	state("a", cur, sizeof(int), &a.tail);
	state("b", cur, sizeof(int), &b.tail);
	lws_ring_dump(cur, &a.tail);

	/* a was oldest, but b and c are as old: nothing retired yet */
	lws_ring_consume_and_update_oldest_tail(cur, struct consumer,
						&a.tail, 1, list, tail, next);
	state("after a+1", cur, sizeof(int), &a.tail);
	/* b reads 2 in place */
	n = lws_ring_consume(cur, &b.tail, NULL, 2);
	printf("b consumed %d without copy\n", (int)n);
	lws_ring_consume_and_update_oldest_tail(cur, struct consumer,
						&c.tail, 1, list, tail, next);
	printf("after c+1: oldest %u free %d\n",
	       (unsigned int)lws_ring_get_oldest_tail(cur),
	       (int)lws_ring_get_count_free_elements(cur));
	/* c was the only oldest: now b (3 waiting) is the oldest */
	lws_ring_consume_and_update_oldest_tail(cur, struct consumer,
						&c.tail, 2, list, tail, next);
	printf("after c+2: oldest %u free %d\n",
	       (unsigned int)lws_ring_get_oldest_tail(cur),
	       (int)lws_ring_get_count_free_elements(cur));

	/* consume past what is waiting: stops at the head */
	n = lws_ring_consume(cur, &a.tail, out, 100);
	print_ints("a drained", out, n);
	printf("a drained again: %d\n",
	       (int)lws_ring_consume(cur, &a.tail, out, 100));

	/* c leaves the list: lws_ll_fwd_remove */
	lws_ll_fwd_remove(struct consumer, next, pc, list);
	lws_start_foreach_llp(struct consumer **, pp, list) {
		printf("still listed: %s waiting %d\n", (*pp)->name,
		       (int)lws_ring_get_count_waiting_elements(cur,
							&(*pp)->tail));
	} lws_end_foreach_llp(pp, next);

	/* destroy retires from the oldest tail to the head */
	lws_ring_destroy(cur);
	cur = NULL;
}

/* lws_ring_consume_single_tail, and update_oldest_tail without callback */
static void
single_tail_macro(void)
{
	struct lws_ring *r;
	uint32_t t = 0;
	int in[5] = { 1, 2, 3, 4, 5 }, out[5];
	size_t n;

	printf("== single tail macro\n");
	cur = r = lws_ring_create(sizeof(int), 4, destroy_int);
	printf("insert: %d\n", (int)lws_ring_insert(r, in, 5));
	lws_ring_consume_single_tail(r, &t, 2);
	state("after 2", r, sizeof(int), &t);
	lws_ring_destroy(r);

	r = lws_ring_create(sizeof(int), 4, NULL);
	printf("insert: %d\n", (int)lws_ring_insert(r, in, 5));
	n = lws_ring_consume(r, &t, out, 1);
	print_ints("explicit tail", out, n);
	printf("tail %u oldest %u free %d\n", (unsigned int)t,
	       (unsigned int)lws_ring_get_oldest_tail(r),
	       (int)lws_ring_get_count_free_elements(r));
	lws_ring_update_oldest_tail(r, t);
	printf("updated: oldest %u free %d\n",
	       (unsigned int)lws_ring_get_oldest_tail(r),
	       (int)lws_ring_get_count_free_elements(r));
	t = 0;
	n = lws_ring_consume(r, &t, out, 1);
	printf("tail %u at head: %d\n", (unsigned int)t, (int)n);
	lws_ring_destroy(r);
	cur = NULL;
}

/* 1-byte elements, written straight into the ring. */
static void
bytes(void)
{
	struct lws_ring *r = lws_ring_create(1, 8, NULL);
	const uint8_t *base;
	char out[16];
	void *start;
	size_t len, n;

	printf("== bytes\n");
	state("new", r, 1, NULL);
	n = lws_ring_insert(r, "ABCDEF", 6);
	printf("insert 6: %d\n", (int)n);
	/* two bytes are free but none can be inserted (free < 2 bytes) */
	state("6 in", r, 1, NULL);
	printf("insert 1 more: %d\n", (int)lws_ring_insert(r, "G", 1));
	base = lws_ring_get_element(r, NULL);
	n = lws_ring_consume(r, NULL, out, 6);
	printf("consume: %d '%.*s'\n", (int)n, (int)n, out);
	state("empty at 6", r, 1, NULL);

	/* the linear range stops at the end of the buffer */
	printf("range: %d", lws_ring_next_linear_insert_range(r, &start, &len));
	printf(" at %d len %d\n", (int)((uint8_t *)start - base), (int)len);
	memcpy(start, "ab", 2);
	lws_ring_bump_head(r, 2);
	printf("range: %d", lws_ring_next_linear_insert_range(r, &start, &len));
	printf(" at %d len %d\n", (int)((uint8_t *)start - base), (int)len);
	memcpy(start, "cdefg", 5);
	lws_ring_bump_head(r, 5);
	state("filled", r, 1, NULL);
	lws_ring_dump(r, NULL);
	n = lws_ring_consume(r, NULL, out, sizeof(out));
	printf("consume across the end: %d '%.*s'\n", (int)n, (int)n, out);

	/* 1 byte free: insert range reports it */
	n = lws_ring_insert(r, "1234567", 7);
	printf("insert 7: %d\n", (int)n);
	n = lws_ring_consume(r, NULL, NULL, 1);
	printf("consume 1: %d\n", (int)n);
	state("one out", r, 1, NULL);
	printf("range with 1 free: %d\n",
	       lws_ring_next_linear_insert_range(r, &start, &len));
	n = lws_ring_consume(r, NULL, NULL, 1);
	state("two out", r, 1, NULL);
	printf("range: %d", lws_ring_next_linear_insert_range(r, &start, &len));
	printf(" at %d len %d\n", (int)((uint8_t *)start - base), (int)len);

	/* bump_head wraps modulo the size, unchecked */
	lws_ring_bump_head(r, 13);
	lws_ring_dump(r, NULL);
	lws_ring_destroy(r);
}

/* Elements of 3 bytes, count 5: odd sizes wrap too. */
static void
odd_elements(void)
{
	struct lws_ring *r = lws_ring_create(3, 5, NULL);
	char out[32];
	uint32_t t;
	size_t n;
	int round;

	printf("== odd elements\n");
	state("new", r, 3, NULL);
	t = lws_ring_get_oldest_tail(r);
	for (round = 0; round < 4; round++) {
		n = lws_ring_insert(r, "aaabbbcccdddeeefff", 6);
		printf("round %d insert: %d", round, (int)n);
		n = lws_ring_consume(r, &t, out, 2 + round);
		printf(" consume %d '%.*s'", (int)n, (int)n * 3, out);
		lws_ring_update_oldest_tail(r, t);
		printf(" tail %u free %d waiting %d\n", (unsigned int)t,
		       (int)lws_ring_get_count_free_elements(r),
		       (int)lws_ring_get_count_waiting_elements(r, &t));
	}
	lws_ring_dump(r, &t);
	lws_ring_destroy(r);

	/* one element: never room, since one is always kept free */
	r = lws_ring_create(16, 1, NULL);
	state("count 1", r, 16, NULL);
	printf("insert: %d\n", (int)lws_ring_insert(r, out, 1));
	{
		void *start;
		size_t len;

		printf("range: %d\n",
		       lws_ring_next_linear_insert_range(r, &start, &len));
	}
	lws_ring_destroy(r);
}

/* n bytes between quotes, NUL as '|', then a newline */
static void
put_bytes(const uint8_t *b, size_t n)
{
	size_t i;

	putchar('\'');
	for (i = 0; i < n; i++)
		putchar(b[i] ? b[i] : '|');
	printf("'\n");
}

static void
buflist_state(const char *label, struct lws_buflist **head)
{
	uint8_t *p = (uint8_t *)1;
	size_t n = lws_buflist_next_segment_len(head, &p);

	printf("%s: next %d%s total %d ", label, (int)n, p ? "" : " (NULL)",
	       (int)lws_buflist_total_len(head));
	put_bytes(p ? p : (const uint8_t *)"", p ? n : 0);
}

static void
buflist(void)
{
	struct lws_buflist *head = NULL;
	uint8_t buf[64], *p;
	int i, r;
	size_t n;

	printf("== buflist\n");
	buflist_state("empty", &head);
	lws_buflist_describe(&head, NULL, "empty");
	printf("linear copy empty: %d\n",
	       lws_buflist_linear_copy(&head, 0, buf, sizeof(buf)));

	r = lws_buflist_append_segment(&head, (const uint8_t *)"hello", 5);
	printf("append hello: %d\n", r);
	r = lws_buflist_append_segment(&head, (const uint8_t *)"world!", 6);
	printf("append world!: %d\n", r);
	r = lws_buflist_append_segment(&head, (const uint8_t *)"x\0y", 3);
	printf("append x0y: %d\n", r);
	buflist_state("three", &head);
	lws_buflist_describe(&head, &head, "three");

	/* LWS_PRE bytes of headroom before a fresh segment's data */
	n = lws_buflist_next_segment_len(&head, &p);
	memset(p - LWS_PRE, 0xa5, LWS_PRE);
	printf("headroom ok: %d\n", !memcmp(p, "hello", n));

	n = lws_buflist_use_segment(&head, 2);
	printf("use 2: %d\n", (int)n);
	/* total_len still counts the used part */
	buflist_state("used 2", &head);
	lws_buflist_describe(&head, NULL, "used 2");

	/* linear copies count from each segment's start, used or not */
	memset(buf, '.', sizeof(buf));
	r = lws_buflist_linear_copy(&head, 0, buf, sizeof(buf));
	printf("copy all: %d ", r);
	put_bytes(buf, 20);
	for (i = 0; i < 16; i += 3) {
		memset(buf, '.', sizeof(buf));
		r = lws_buflist_linear_copy(&head, (size_t)i, buf, 4);
		printf("copy ofs %d len 4: %d ", i, r);
		put_bytes(buf, 6);
	}
	printf("copy len 0: %d\n", lws_buflist_linear_copy(&head, 0, buf, 0));

	n = lws_buflist_use_segment(&head, 3);
	printf("use rest of first: %d\n", (int)n);
	buflist_state("second", &head);
	n = lws_buflist_use_segment(&head, 5);
	printf("use 5: %d\n", (int)n);
	n = lws_buflist_use_segment(&head, 1);
	printf("use 1 (ends second): %d\n", (int)n);
	buflist_state("third", &head);
	n = lws_buflist_use_segment(&head, 3);
	printf("use last: %d head %s\n", (int)n, head ? "set" : "NULL");
	buflist_state("drained", &head);

	r = lws_buflist_append_segment(&head, (const uint8_t *)"again", 5);
	printf("append to drained: %d\n", r);
	lws_buflist_destroy_all_segments(&head);
	printf("destroyed: head %s\n", head ? "set" : "NULL");
	lws_buflist_destroy_all_segments(&head);

	/* at most 1024 segments */
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE, emit);
	for (i = 0; i < 1030; i++) {
		buf[0] = (uint8_t)i;
		r = lws_buflist_append_segment(&head, buf, 1);
		if (r)
			printf("append %d: %d\n", i, r);
	}
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO, emit);
	printf("total %d\n", (int)lws_buflist_total_len(&head));
	n = 0;
	while (lws_buflist_next_segment_len(&head, NULL)) {
		lws_buflist_use_segment(&head, 1);
		n++;
	}
	printf("used %d segments, head %s\n", (int)n, head ? "set" : "NULL");

	r = lws_buflist_append_segment(&head, (const uint8_t *)"big", 3);
	printf("append: %d\n", r);
	lws_buflist_destroy_all_segments(&head);
}

int
main(void)
{
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO, emit);

	single_tail();
	many_tails();
	single_tail_macro();
	bytes();
	odd_elements();
	buflist();

	printf("done\n");

	return 0;
}
