// Renders parsed lesson Markdown as React elements: no raw HTML ever reaches the page.
import { Fragment, type ReactNode } from "react";
import { parseMarkdown, type Block, type Inline } from "@/lib/shared/markdown";
import type { UiLang } from "@/lib/shared/ui-text";
import { ShellCommand } from "./ShellCommand";

function renderInline(nodes: Inline[]): ReactNode {
  return nodes.map((n, i) => {
    switch (n.type) {
      case "text":
        return <Fragment key={i}>{n.text}</Fragment>;
      case "code":
        return <code key={i}>{n.text}</code>;
      case "strong":
        return <strong key={i}>{renderInline(n.children)}</strong>;
      case "em":
        return <em key={i}>{renderInline(n.children)}</em>;
      case "del":
        return <del key={i}>{renderInline(n.children)}</del>;
      case "break":
        return <br key={i} />;
      case "link": {
        const external = /^(https?:)?\/\//.test(n.href);
        return (
          <a key={i} href={n.href} {...(external ? { target: "_blank", rel: "noopener noreferrer" } : {})}>
            {renderInline(n.children)}
          </a>
        );
      }
    }
  });
}

function renderBlocks(blocks: Block[], lang: UiLang, tight = false): ReactNode {
  return blocks.map((b, i) => {
    switch (b.type) {
      case "heading": {
        const Tag = `h${b.level}` as const;
        return (
          <Tag key={i} id={b.id}>
            {renderInline(b.children)}
          </Tag>
        );
      }
      case "paragraph":
        return tight ? (
          <Fragment key={i}>{renderInline(b.children)}</Fragment>
        ) : (
          <p key={i}>{renderInline(b.children)}</p>
        );
      case "code":
        // A command for the run's shell ("```shell"): it gets a ▶ that runs it there.
        if (b.lang === "shell") return <ShellCommand key={i} text={b.text} lang={lang} />;
        return (
          <pre key={i} className="md-code" data-lang={b.lang || undefined}>
            <code>{b.text}</code>
          </pre>
        );
      case "list": {
        const items = b.items.map((item, j) => <li key={j}>{renderBlocks(item, lang, b.tight)}</li>);
        return b.ordered ? (
          <ol key={i} start={b.start === 1 ? undefined : b.start}>
            {items}
          </ol>
        ) : (
          <ul key={i}>{items}</ul>
        );
      }
      case "blockquote":
        return <blockquote key={i}>{renderBlocks(b.children, lang)}</blockquote>;
      case "table":
        return (
          <div key={i} className="md-table">
            <table>
              <thead>
                <tr>
                  {b.header.map((cell, c) => (
                    <th key={c} style={b.align[c] ? { textAlign: b.align[c] } : undefined}>
                      {renderInline(cell)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {b.rows.map((row, r) => (
                  <tr key={r}>
                    {row.map((cell, c) => (
                      <td key={c} style={b.align[c] ? { textAlign: b.align[c] } : undefined}>
                        {renderInline(cell)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      case "hr":
        return <hr key={i} />;
    }
  });
}

export function Markdown({ source, lang }: { source: string; lang: UiLang }) {
  return <div className="markdown">{renderBlocks(parseMarkdown(source), lang)}</div>;
}
