//! The generated code compiles, and user code that no longer fits the spec
//! does not, with a message that names the event's method.

#[test]
fn generated_code_compiles_and_a_wrong_payload_type_does_not() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/compile/pass/*.rs");
    cases.compile_fail("tests/compile/fail/*.rs");
}
