/*
 * State managers: the context's system state (notifiers from the creation
 * info, the steps to OPERATIONAL on the first service, its lws_smd
 * messages) and a program's own manager with a notifier that vetoes.
 * Prints what the notifiers saw: the same on Debian's library and on ours.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char smd_seen[2048];

static int
smd_cb(void *opaque, lws_smd_class_t c, lws_usec_t ts, void *buf, size_t len)
{
	(void)opaque;
	(void)ts;
	snprintf(smd_seen + strlen(smd_seen), sizeof(smd_seen) - strlen(smd_seen),
		 "smd class=%u %.*s\n", c, (int)len, (const char *)buf);
	return 0;
}

static int
notify(lws_state_manager_t *mgr, lws_state_notify_link_t *l, int cur, int tgt)
{
	printf("%s: %s %d -> %d (state %d)\n", l->name, mgr->name, cur, tgt,
	       mgr->state);
	return 0;
}

static int vetoes = 1;

static int
veto(lws_state_manager_t *mgr, lws_state_notify_link_t *l, int cur, int tgt)
{
	(void)mgr;
	if (cur != tgt && tgt == 2 && vetoes) {
		vetoes--;
		printf("%s: vetoes %d -> %d\n", l->name, cur, tgt);
		return 1;
	}
	return 0;
}

static const char *my_names[] = { "zero", "one", "two", "three" };

int main(void)
{
	lws_state_notify_link_t app = { { 0 }, notify, "app" };
	lws_state_notify_link_t *list[] = { &app, NULL };
	lws_state_notify_link_t mine = { { 0 }, notify, "mine" },
				no = { { 0 }, veto, "veto" };
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	lws_state_manager_t *sys, m;
	int n;

	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.register_notifier_list = list;
	info.early_smd_cb = smd_cb;
	info.early_smd_class_filter = LWSSMDCL_SYSTEM_STATE;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;

	sys = lws_system_get_state_manager(ctx);
	printf("system: name=%s state=%d (%s) context-ok=%d count=%u\n",
	       sys->name, sys->state, sys->state_names[sys->state],
	       sys->context == ctx, sys->notify_list.count >= 1);

	/* a negative timeout polls without waiting, on both libraries */
	for (n = 0; n < 500 && sys->state != LWS_SYSTATE_OPERATIONAL; n++) {
		lws_service(ctx, -1);
		usleep(1000);
	}
	for (n = 0; n < 20; n++) {
		lws_service(ctx, -1);
		usleep(1000);
	}
	printf("system now %s\n", sys->state_names[sys->state]);
	printf("%s", smd_seen);

	memset(&m, 0, sizeof(m));
	m.name = "own";
	m.state_names = my_names;
	lws_state_reg_notifier(&m, &mine);
	lws_state_reg_notifier(&m, &no);
	printf("own count=%u\n", m.notify_list.count);
	lws_state_transition_steps(&m, 3);
	printf("own after veto: %d\n", m.state);
	lws_state_transition_steps(&m, 3);
	printf("own after retry: %d\n", m.state);
	lws_state_transition_steps(&m, 1);
	printf("own stays: %d\n", m.state);
	lws_state_reg_deregister(&no);
	lws_state_transition(&m, 0);
	printf("own direct: %d count=%u\n", m.state, m.notify_list.count);

	lws_context_destroy(ctx);
	printf("done\n");
	return 0;
}
