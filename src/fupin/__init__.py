"""Fupin: the open platform for consumption poverty alleviation (消费扶贫)."""
