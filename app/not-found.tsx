// Unknown lesson or page.
import Link from "next/link";
import { TopBar } from "@/components/ui/TopBar";
import { Bi } from "@/components/ui/Bi";
import { UI } from "@/lib/shared/ui-text";

export default function NotFound() {
  return (
    <div className="page">
      <TopBar />
      <main className="home not-found">
        <h1>404</h1>
        <p>
          <Bi {...UI.notFound} />
        </p>
        <Link href="/" className="btn">
          <Bi {...UI.backHome} />
        </Link>
      </main>
    </div>
  );
}
