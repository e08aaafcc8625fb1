/*
 * elfutils 0.192's libelf.a (bookworm-backports) calls eu_search_tree_* and
 * eu_t* from libeu without containing them (sourceware bug 32293), so a
 * static link fails. These stand-ins do what libeu's do, minus the lock this
 * single-threaded loader never needs. Weak: a fixed libelf.a's own win.
 */
#include <search.h>
#include <stddef.h>

/* libeu's search_tree starts with the tsearch root (a lock may follow). */
struct eu_search_tree {
	void *root;
};

typedef int (*eu_compare_fn)(const void *, const void *);

void eu_search_tree_init(struct eu_search_tree *tree);
void eu_search_tree_fini(struct eu_search_tree *tree, void (*free_node)(void *));
void *eu_tsearch(const void *key, struct eu_search_tree *tree, eu_compare_fn compare);
void *eu_tfind(const void *key, struct eu_search_tree *tree, eu_compare_fn compare);
void *eu_tdelete(const void *key, struct eu_search_tree *tree, eu_compare_fn compare);

__attribute__((weak)) void eu_search_tree_init(struct eu_search_tree *tree)
{
	tree->root = NULL;
}

__attribute__((weak)) void eu_search_tree_fini(struct eu_search_tree *tree,
					       void (*free_node)(void *))
{
	tdestroy(tree->root, free_node);
	tree->root = NULL;
}

__attribute__((weak)) void *eu_tsearch(const void *key, struct eu_search_tree *tree,
				       eu_compare_fn compare)
{
	return tsearch(key, &tree->root, compare);
}

__attribute__((weak)) void *eu_tfind(const void *key, struct eu_search_tree *tree,
				     eu_compare_fn compare)
{
	return tfind(key, &tree->root, compare);
}

__attribute__((weak)) void *eu_tdelete(const void *key, struct eu_search_tree *tree,
				       eu_compare_fn compare)
{
	return tdelete(key, &tree->root, compare);
}
