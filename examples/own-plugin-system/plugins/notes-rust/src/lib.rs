//! A notes plugin in Rust: notebooks count notes and words, and files go to the application's
//! store under `notes/<slug>`. Every notebook writes what happens to a journal of the host.

mod bindings;

use bindings::acme::notes::host_store::{self, Journal};
use bindings::exports::acme::notes::notes::{Guest, GuestNotebook, Note};
use std::cell::RefCell;

struct Plugin;

/// The Rust value behind a `notebook` handle.
struct Book {
    owner: String,
    notes: RefCell<Vec<Note>>,
    journal: Journal,
}

impl GuestNotebook for Book {
    fn new(owner: String) -> Self {
        let journal = Journal::new(&format!("notes-rust/{}", owner));
        Book { owner, notes: RefCell::new(Vec::new()), journal }
    }

    fn add(&self, n: Note) -> u32 {
        self.journal.append(&format!("added `{}`", n.title));
        self.notes.borrow_mut().push(n);
        self.notes.borrow().len() as u32
    }

    fn summary(&self) -> String {
        let notes = self.notes.borrow();
        let words: usize = notes.iter().map(|n| n.body.split_whitespace().count()).sum();
        format!("{} has {} notes, {} words", self.owner, notes.len(), words)
    }
}

fn slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    words.join("-")
}

impl Guest for Plugin {
    type Notebook = Book;

    fn file(n: Note) -> Result<String, String> {
        let slug = slug(&n.title);
        if slug.is_empty() {
            return Err("a note needs a title with a letter or digit in it".to_string());
        }
        let key = format!("notes/{}", slug);
        // The application may refuse the write; its reason becomes ours.
        host_store::put(&key, &n.body)?;
        Ok(key)
    }
}

impl bindings::Guest for Plugin {
    fn describe() -> String {
        "notes-rust 1.0.0: counts words, files notes under notes/<slug>".to_string()
    }
}

bindings::export_notes_plugin!(Plugin);
