from hypothesis import given
from hypothesis import strategies as st

from kitaplan.domain.common.rounding import split_by_largest_remainder


def test_a_band_of_ten_children_splits_by_the_weights():
    assert split_by_largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert split_by_largest_remainder(7, [0.5, 0.25, 0.25]) == [3, 2, 2]


def test_zero_weights_split_evenly():
    assert split_by_largest_remainder(5, [0, 0]) == [3, 2]


@given(
    st.integers(0, 10_000), st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=12)
)
def test_parts_always_add_up_to_the_total_and_stay_within_one_of_the_exact_share(total, weights):
    parts = split_by_largest_remainder(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / weight_sum if weight_sum else total / len(weights)
        assert abs(part - exact) < 1
