//! One sort for the whole program. Every call of the standard library's sort on a new
//! element type or comparator is its own copy of the sort in the wasm bundle (several KB
//! each, a dozen of them once); sorting `(key, index)` pairs of one type keeps it to one
//! copy — the one the partition-key table uses already. Ties keep their index order, so the
//! result is that of a stable sort.

/// The indices of `keys` in key order; equal keys keep their order (a stable sort).
pub fn stable_order(keys: impl IntoIterator<Item = u128>) -> Vec<usize> {
    let mut pairs: Vec<(u128, u32)> = keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    pairs.sort_unstable();
    pairs.into_iter().map(|(_, i)| i as usize).collect()
}

/// `v` rearranged in `order` (a permutation of its indices, as [`stable_order`] gives).
pub fn rearrange<T>(v: Vec<T>, order: &[usize]) -> Vec<T> {
    let mut slots: Vec<Option<T>> = v.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&i| slots.get_mut(i)?.take())
        .collect()
}

/// `v` sorted by `key`, stably.
pub fn sorted_by_key<T>(v: Vec<T>, key: impl Fn(&T) -> u128) -> Vec<T> {
    let order = stable_order(v.iter().map(key));
    rearrange(v, &order)
}

/// Each distinct name of `names` with its rank among them in byte order, for sort keys that
/// hold a name (look a name up with [`rank_of`]).
pub fn ranks<'a>(names: &[&'a str]) -> Vec<(&'a str, u128)> {
    let mut distinct: Vec<&'a str> = Vec::new();
    for &n in names {
        if !distinct.contains(&n) {
            distinct.push(n);
        }
    }
    distinct
        .iter()
        .map(|&n| (n, name_rank(&distinct, n)))
        .collect()
}

/// The rank of `name` in a table from [`ranks`] (0 if absent).
pub fn rank_of(ranks: &[(&str, u128)], name: &str) -> u128 {
    ranks
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(0, |(_, r)| *r)
}

/// The rank of `name` among the distinct names of `names`, in byte order: a sort key for
/// a name that fits in a `u128` key (a few names, so a quadratic count is cheapest).
pub fn name_rank(names: &[&str], name: &str) -> u128 {
    let mut rank = 0;
    for (i, &n) in names.iter().enumerate() {
        // Each distinct smaller name once: at its first occurrence.
        if n < name && !names[..i].contains(&n) {
            rank += 1;
        }
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_keep_their_order() {
        let v = vec![(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e')];
        let sorted = sorted_by_key(v, |p| p.0);
        assert_eq!(
            sorted,
            vec![(0, 'd'), (1, 'b'), (1, 'e'), (3, 'a'), (3, 'c')]
        );
    }

    #[test]
    fn names_rank_in_byte_order() {
        let names = ["fn", "b", "fn", "a"];
        assert_eq!(name_rank(&names, "a"), 0);
        assert_eq!(name_rank(&names, "b"), 1);
        assert_eq!(name_rank(&names, "fn"), 2);
    }
}
