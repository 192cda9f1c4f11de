"""argon2id at OWASP cost; old hashes verify and are upgraded."""

from argon2 import PasswordHasher, Type, extract_parameters

from services.identity.domain.passwords import (
    HASHER,
    burn_verification_time,
    hash_password,
    verify_password,
)


def test_hashes_are_argon2id_with_owasp_parameters():
    params = extract_parameters(hash_password("correct horse battery"))
    assert params.type is Type.ID
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)


def test_the_right_password_verifies_and_a_wrong_one_does_not():
    stored = hash_password("correct horse battery")
    assert verify_password(stored, "correct horse battery").ok
    assert verify_password(stored, "correct horse battery ").ok is False


def test_a_garbage_hash_is_a_failed_verification_not_a_crash():
    assert verify_password("not-a-hash", "whatever").ok is False


def test_a_hash_with_older_parameters_verifies_and_asks_for_a_rehash():
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID)
    old = weaker.hash("correct horse battery")
    result = verify_password(old, "correct horse battery")
    assert result.ok and result.new_hash is not None
    assert not HASHER.check_needs_rehash(result.new_hash)
    again = verify_password(result.new_hash, "correct horse battery")
    assert again.ok and again.new_hash is None


def test_a_current_hash_needs_no_rehash():
    stored = hash_password("correct horse battery")
    assert verify_password(stored, "correct horse battery").new_hash is None


def test_the_dummy_verification_runs_without_error():
    burn_verification_time("anything at all")
