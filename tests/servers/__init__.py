"""Throwaway servers started by the test fixtures."""
