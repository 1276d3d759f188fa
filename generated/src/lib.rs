pub mod aaa;
