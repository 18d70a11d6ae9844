/* config.c -- defaults of struct weft_config. */
#include <string.h>

#include <weft.h>

void weft_config_init(struct weft_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->engine = NULL;
	cfg->concurrency = 0;
	cfg->max_depth = -1;
	cfg->max_pages = 0;
	cfg->scope = WEFT_SCOPE_HOST;
	cfg->max_per_host = WEFT_PER_HOST_DEFAULT;
	cfg->robots = WEFT_ROBOTS_DEFAULT;
	cfg->max_crawl_delay = 30;
	cfg->max_backoff = 60;
	cfg->max_url_len = 4096;
	cfg->max_links = 10000;
	cfg->max_redirects = 10;
	cfg->max_path_segments = 32;
	cfg->max_repeats = 3;
	cfg->max_similar = 50000;
}
