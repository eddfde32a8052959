"""Reference baselines: scripted experts for every task, validation, and (extra ``baselines``) SB3 configs."""
